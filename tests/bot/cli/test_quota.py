"""``civicast send`` asks LINE's monthly quota first: a notice needing more messages than are left is refused
unless --exceed-quota; ``civicast report`` shows the notice's paid LINE messages and the month's paid and free.
Against the sandbox's monthly limit, with a real worker."""

from __future__ import annotations

import json

import pytest

from messages.models import Notice, NoticeStatus
from tests.support.cli import run
from tests.support.officers import as_officer, officers
from tests.support.paused_line import PausedLine


@pytest.fixture
def line(tmp_path, monkeypatch, database_url):
    built = PausedLine(tmp_path, database_url)
    monkeypatch.setenv("CIVICAST_CONFIG", str(built.config))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    officers(built.services.session_factory, lin="approver")
    yield built
    built.close()


def status(line, notice_id: int) -> str:
    with line.services.session_factory() as session:
        return session.get(Notice, notice_id).status


def test_send_past_the_quota_needs_exceed_quota_and_the_report_counts_paid_and_free(capsys, tmp_path, line):
    line.set_quota(500)
    line.spend(300)
    notice_id = line.approved_notice(260)
    send = ["send", "--yes", "--notice-number", str(notice_id), str(notice_id), *as_officer(tmp_path, "lin")]

    code, out, err = run(capsys, *send)
    assert (
        code == 2
        and out == f"Send notice {notice_id} to 260 residents in 12 languages on LINE, Facebook, and Cable TV crawl.\n"
    )
    assert "needs 260 LINE messages but only 200 of this month's 500 are left" in err
    assert status(line, notice_id) == NoticeStatus.APPROVED

    code, out, _ = run(capsys, *send, "--exceed-quota")
    assert code == 0 and f"notice {notice_id}:" in out and "line: 260" in out
    line.run_worker(until_paused=True)  # LINE takes what fits, then refuses: the channel pauses

    code, out, _ = run(capsys, "report", str(notice_id))
    assert code == 0
    report = json.loads(run(capsys, "report", str(notice_id), "--json")[1])["messages"]["line"]
    sent = report["notice"]["paid"]
    assert sent == 0  # one multicast of 260 does not fit the 200 left: LINE refuses it whole, nothing is paid
    assert report["paid"] == {"multicast": sent, "push": 0, "total": sent}
    assert report["free"] == {"reply": 0, "total": 0}
    assert f"LINE messages: this notice {sent:,} paid; in {report['month']} {sent:,} paid" in out
