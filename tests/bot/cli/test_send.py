"""Officers on the command line: every command that changes a notice acts as a named officer, after their
password, through the same desk as the console and the API: a second officer for live notices, the audit log,
bad text refused with exit status 2 naming the option or parameter, nothing stored; a poll neither recurs nor
is scheduled for after it closes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.cli.main import main
from bot.office import polls
from bot.office.accounts import Actor
from bot.office.drafts import NoticeInput
from bot.office.models import AuditEntry, Role
from bot.office.services import Services
from bot.settings import load_settings
from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus
from tests.scheduler.conftest import add_residents
from tests.support.officers import as_officer, officers


@pytest.fixture
def services(tmp_path, monkeypatch, database_url, engine):
    path = tmp_path / "config.yaml"
    path.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    monkeypatch.setenv("CIVICAST_CONFIG", str(path))
    built = Services(load_settings(path, environ={}))
    with built.session_factory.begin() as session:
        add_residents(session, built.glossary, 1200)
    officers(built.session_factory, chen="editor", lin="approver", wu="approver")
    yield built
    built.close()


@pytest.fixture
def by(tmp_path):
    return lambda name, password=None: as_officer(tmp_path, name, *([password] if password else []))


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def create(capsys, by, *extra, author="chen"):
    code, out, err = run(capsys, "notice", "create", "heavy_rain", "--example", *by(author), *extra)
    assert code == 0, err
    return out


def notice(services, notice_id):
    with services.session_factory() as session:
        return session.get(Notice, int(notice_id))


def audit(services, notice_id):
    with services.session_factory() as session:
        return [
            (e.actor, e.via, e.action)
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_type == "notice", AuditEntry.subject_id == str(notice_id))
                .order_by(AuditEntry.id)
            )
        ]


def test_a_live_notice_needs_a_second_officer_with_the_approver_role(capsys, services, by):
    notice_id = create(capsys, by)
    assert run(capsys, "notice", "submit", notice_id, *by("chen"))[0] == 0
    code, _, err = run(capsys, "notice", "approve", notice_id, *by("chen"))
    assert code == 2 and "editor" in err and "approve needs another role" in err
    code, _, err = run(capsys, "send", "--yes", notice_id, *by("lin"))
    assert code == 2 and "submitted" in err  # not approved: nothing goes out
    assert run(capsys, "notice", "approve", notice_id, *by("lin"))[0] == 0
    assert notice(services, notice_id).approver == "lin"
    assert audit(services, notice_id) == [
        ("chen", "cli", "compose"),
        ("chen", "cli", "submit"),
        ("lin", "cli", "approve"),
    ]


def test_whoever_submitted_a_live_notice_cannot_approve_it(capsys, services, by):
    notice_id = create(capsys, by)
    assert run(capsys, "notice", "submit", notice_id, *by("lin"))[0] == 0  # an approver submits chen's draft
    code, _, err = run(capsys, "notice", "approve", notice_id, *by("lin"))
    assert code == 2 and "a live notice needs a second officer" in err
    assert notice(services, notice_id).status == NoticeStatus.SUBMITTED
    assert run(capsys, "notice", "approve", notice_id, *by("wu"))[0] == 0


def test_the_officer_must_exist_and_give_their_password(capsys, services, by):
    notice_id = create(capsys, by)
    run(capsys, "notice", "submit", notice_id, *by("chen"))
    code, _, err = run(capsys, "notice", "approve", notice_id, *by("nobody"))
    assert code == 2 and "--by nobody" in err
    code, _, err = run(capsys, "notice", "approve", notice_id, *by("lin", "not lin's password"))
    assert code == 2 and "wrong username or password" in err
    assert notice(services, notice_id).status == NoticeStatus.SUBMITTED
    with services.session_factory() as session:
        refused = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "login_failed", AuditEntry.summary == "cli")
        )
    assert refused == 2


def test_training_notices_may_be_self_approved_and_sent(capsys, services, by):
    notice_id = create(capsys, by, "--training")
    assert run(capsys, "notice", "approve", notice_id, *by("chen"))[0] == 0
    code, out, err = run(capsys, "send", "--yes", notice_id, *by("chen"))
    assert code == 2 and "no recipients among test recipients" in err  # the residents here are not test recipients


def test_send_then_report(capsys, services, by):
    notice_id = create(capsys, by)
    run(capsys, "notice", "submit", notice_id, *by("chen"))
    run(capsys, "notice", "approve", notice_id, *by("lin"))
    code, out, _ = run(capsys, "send", "--yes", notice_id, *by("lin"))
    assert code == 0 and "deliveries queued" in out
    code, out, _ = run(capsys, "report", notice_id, "--json")
    report = json.loads(out)
    line = report["channels"]["line"]
    assert report["status"] == "sending" and line["targeted"] == 1200 and line["pending"] == 1200
    assert set(line["languages"]) >= {"zh-Hant", "vi", "th"}
    code, out, _ = run(capsys, "report", notice_id)
    assert "targeted" in out and "vi" in out
    code, _, err = run(capsys, "send", "--yes", notice_id, *by("lin"))
    assert code == 2 and "sending" in err
    assert ("lin", "cli", "send") in audit(services, notice_id)


def test_schedule_list_and_cancel(capsys, services, by):
    notice_id = create(capsys, by)
    run(capsys, "notice", "submit", notice_id, *by("chen"))
    run(capsys, "notice", "approve", notice_id, *by("lin"))
    code, out, _ = run(capsys, "schedule", "--yes", notice_id, "--at", "2099-01-01T08:00", *by("lin"))
    assert code == 0 and "scheduled at 2099-01-01T08:00:00+08:00" in out
    assert f"{notice_id}  scheduled" in run(capsys, "notice", "list", "--status", "scheduled")[1].replace("   ", " ")
    code, _, err = run(capsys, "schedule", "--yes", notice_id, "--at", "tomorrow", *by("lin"))
    assert code == 2 and "--at" in err
    code, out, _ = run(capsys, "cancel", notice_id, *by("lin"))
    assert code == 0 and "before it was sent" in out


def test_a_live_recurrence_more_often_than_hourly_is_refused_and_an_hourly_one_shows_its_next_times(
    capsys, services, by
):
    notice_id = create(capsys, by)
    run(capsys, "notice", "submit", notice_id, *by("chen"))
    run(capsys, "notice", "approve", notice_id, *by("lin"))
    code, _, err = run(capsys, "schedule", "--yes", notice_id, "--cron", "*/20 * * * *", *by("lin"))
    assert code == 2 and "20 minutes apart" in err
    assert notice(services, notice_id).status == NoticeStatus.APPROVED
    code, out, _ = run(capsys, "schedule", "--yes", notice_id, "--cron", "0 * * * *", *by("lin"))
    assert code == 0 and out.count(":00+08:00") == 5


def test_cancelling_a_sent_live_notice_writes_a_cancel_that_a_second_officer_approves(capsys, services, by):
    notice_id = create(capsys, by)
    run(capsys, "notice", "submit", notice_id, *by("chen"))
    run(capsys, "notice", "approve", notice_id, *by("lin"))
    run(capsys, "send", "--yes", notice_id, *by("lin"))
    code, out, _ = run(capsys, "cancel", notice_id, *by("lin"))
    assert code == 0 and "Cancel notice" in out
    cancel_id = out.split("Cancel notice ")[1].split()[0]
    assert notice(services, notice_id).status == NoticeStatus.SENDING  # nothing withdrawn by one officer alone
    code, _, err = run(capsys, "notice", "approve", cancel_id, *by("lin"))
    assert code == 2 and "second officer" in err
    assert run(capsys, "notice", "approve", cancel_id, *by("wu"))[0] == 0
    assert run(capsys, "send", "--yes", cancel_id, *by("wu"))[0] == 0
    assert notice(services, notice_id).status == NoticeStatus.CANCELLED


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--free-text", "\u0007 bell"], "--free-text"),
        (["--free-text", "big5 \udcb0\udca4"], "--free-text"),
        (["-p", "districts=\x00"], "districts"),
        (["--expires", "2001-01-01T00:00"], "expires"),
    ],
)
def test_bad_text_and_past_times_are_refused_naming_the_field_and_nothing_is_stored(capsys, services, by, args, named):
    code, _, err = run(capsys, "notice", "create", "heavy_rain", "--example", *args, *by("chen"))
    assert code == 2 and named in err
    assert "Traceback" not in err
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 0


def test_unknown_notices_and_resuming_channels(capsys, services, by):
    code, _, err = run(capsys, "send", "--yes", "999", *by("lin"))
    assert code == 2 and "no notice 999" in err
    code, _, err = run(capsys, "send", "--yes", "99999999999", *by("lin"))
    assert code == 2 and "99999999999" in err  # beyond any id: refused before the database is asked
    assert run(capsys, "channel", "resume", "line", *by("lin"))[1] == "line was not paused"


def test_approving_untranslated_free_text_needs_the_acknowledgement_and_the_report_counts_it(capsys, services, by):
    notice_id = create(capsys, by, "--free-text", "旗山區已開設收容所。")
    run(capsys, "notice", "submit", notice_id, *by("chen"))
    code, _, err = run(capsys, "notice", "approve", notice_id, *by("lin"))
    assert code == 2 and "not translated into" in err  # this configuration has no translation engine
    assert notice(services, notice_id).status == NoticeStatus.SUBMITTED
    assert run(capsys, "notice", "approve", notice_id, "--acknowledge-untranslated", *by("lin"))[0] == 0
    run(capsys, "send", "--yes", notice_id, *by("lin"))
    code, out, _ = run(capsys, "report", notice_id)
    assert code == 0 and "free text untranslated in" in out and "1100 residents read the original" in out


def test_ask_checkin_is_set_on_create_and_kept_by_an_update_unless_told(capsys, services, by):
    asking = create(capsys, by, "--ask-checkin")
    assert notice(services, asking).ask_checkin is True
    assert notice(services, create(capsys, by)).ask_checkin is False
    with services.session_factory.begin() as session:
        session.get(Notice, int(asking)).status = NoticeStatus.SENT  # as if sent: an Update may be written
    code, kept, err = run(capsys, "notice", "update", asking, *by("chen"))
    assert code == 0, err
    assert notice(services, kept).ask_checkin is True
    code, stopped, err = run(capsys, "notice", "update", asking, "--no-ask-checkin", *by("chen"))
    assert code == 0, err
    assert notice(services, stopped).ask_checkin is False


def test_a_poll_is_not_scheduled_to_recur_nor_for_after_it_closes(capsys, services, by):
    now = datetime.now(UTC)
    data = NoticeInput("poll", {"districts": ["qishan"]}, free_text="要不要延長圖書館開放時間？")
    options = [polls.OptionInput(phrase_key="yes"), polls.OptionInput(phrase_key="no")]
    with services.session_factory.begin() as session:  # a poll written in the console
        notice_id = str(
            polls.compose_poll(
                session,
                services.composer,
                Actor("chen", Role.EDITOR),
                data,
                options=options,
                closes_at=now + timedelta(days=1),
                now=now,
            ).id
        )
    run(capsys, "notice", "submit", notice_id, *by("chen"))
    assert run(capsys, "notice", "approve", notice_id, "--acknowledge-untranslated", *by("lin"))[0] == 0
    code, _, err = run(capsys, "schedule", "--yes", notice_id, "--cron", "0 8 * * *", *by("lin"))
    assert code == 2 and "a poll cannot recur" in err
    late = (now + timedelta(days=2)).astimezone(TAIPEI).strftime("%Y-%m-%dT%H:%M")
    code, _, err = run(capsys, "schedule", "--yes", notice_id, "--at", late, *by("lin"))
    assert code == 2 and "before it would be sent" in err
    assert notice(services, notice_id).status == NoticeStatus.APPROVED
