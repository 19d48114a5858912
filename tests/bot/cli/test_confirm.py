"""``civicast send`` and ``civicast schedule`` print what they will do and ask before the desk acts: "n" (or no
answer) sends nothing, "y" sends; an Extreme notice to the whole city asks for its number; ``--yes`` confirms
without asking; a schedule the rules refuse is refused before the question."""

from __future__ import annotations

import io
import sys

from messages.models import NoticeStatus
from tests.bot.cli import test_send
from tests.bot.cli.test_send import audit, create, notice, run

services, by = test_send.services, test_send.by  # the fixtures: residents, officers, their passwords


def approved(capsys, by, *extra):
    notice_id = create(capsys, by, *extra)
    assert run(capsys, "notice", "submit", notice_id, *by("chen"))[0] == 0
    assert run(capsys, "notice", "approve", notice_id, *by("lin"))[0] == 0
    return notice_id


def answering(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_the_plan_is_printed_and_only_yes_sends(capsys, monkeypatch, services, by):
    notice_id = approved(capsys, by)
    for answer in ("n\n", "", "\n"):
        answering(monkeypatch, answer)
        code, out, err = run(capsys, "send", notice_id, *by("lin"))
        assert code == 2 and f"notice {notice_id}: not confirmed, nothing was done" in err, (answer, err)
        assert out.startswith(f"Send notice {notice_id} to 1,200 residents in 12 languages on LINE")
    assert notice(services, notice_id).status == NoticeStatus.APPROVED
    assert ("lin", "cli", "send") not in audit(services, notice_id)
    answering(monkeypatch, "y\n")
    code, out, _ = run(capsys, "send", notice_id, *by("lin"))
    assert code == 0 and "Go ahead?" in out and "deliveries queued (line: 1200," in out
    assert ("lin", "cli", "send") in audit(services, notice_id)


def test_a_city_wide_extreme_notice_asks_for_its_number(capsys, monkeypatch, services, by):
    notice_id = approved(capsys, by, "-p", "districts=全市", "--severity", "Extreme")
    answering(monkeypatch, "y\n")
    code, out, err = run(capsys, "send", notice_id, *by("lin"))
    assert code == 2 and f"type its number, {notice_id}" in out + err
    code, _, err = run(capsys, "send", "--yes", notice_id, *by("lin"))
    assert code == 2 and f"type its number, {notice_id}" in err
    assert notice(services, notice_id).status == NoticeStatus.APPROVED
    answering(monkeypatch, f"{notice_id}\n")
    assert run(capsys, "send", notice_id, *by("lin"))[0] == 0


def test_a_schedule_is_restated_with_its_time_and_refused_before_asking_when_it_has_passed(
    capsys,
    monkeypatch,
    services,
    by,
):
    notice_id = approved(capsys, by)
    answering(monkeypatch, "")
    code, out, err = run(capsys, "schedule", notice_id, "--at", "2020-01-01T08:00", *by("lin"))
    assert code == 2 and "that time has passed" in err and out == ""
    answering(monkeypatch, "y\n")
    code, out, _ = run(capsys, "schedule", notice_id, "--at", "2099-01-01T08:00", *by("lin"))
    assert code == 0 and "at 2099-01-01 08:00 (Taipei time)" in out
    assert notice(services, notice_id).status == NoticeStatus.SCHEDULED
