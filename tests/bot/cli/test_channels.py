"""``civicast channel status | resume`` and the pause in ``civicast report``: LINE's quota asked first, the
resume audited, against the sandbox with its monthly quota used up by a real worker."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.office.models import AuditEntry
from scheduler.outbox import ChannelState
from tests.support.cli import run
from tests.support.officers import as_officer, officers
from tests.support.paused_line import PausedLine


@pytest.fixture
def line(tmp_path, monkeypatch, database_url):
    built = PausedLine(tmp_path, database_url)
    monkeypatch.setenv("CIVICAST_CONFIG", str(built.config))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    officers(built.services.session_factory, lin="approver", chen="editor")
    yield built
    built.close()


@pytest.fixture
def resume(capsys, tmp_path):
    """``civicast channel resume ARGS`` as the approver lin."""
    return lambda *args, by="lin": run(capsys, "channel", "resume", *args, *as_officer(tmp_path, by))


def resumes(line) -> list[AuditEntry]:
    with line.services.session_factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "resume_channel")))


def paused(line) -> bool:
    with line.services.session_factory() as session:
        state = session.get(ChannelState, "line")
        return bool(state and state.paused)


def test_status_report_and_a_resume_that_waits_for_the_quota(capsys, line, resume):
    notice_id = line.pause_line(quota=1000, residents=1200)  # batches of 500, 500, 200: one at least waits

    code, out, _ = run(capsys, "channel", "status")
    assert code == 0
    status = out.splitlines()
    assert status[0].startswith("line") and "PAUSED since" in status[0] and "monthly limit" in status[0]
    assert "waiting:" in status[1] and "residents in" in status[1]
    assert "quota:" in status[2] and "of 1,000 messages used this month" in status[2]
    assert any(row.startswith("facebook") and "sending" in row for row in status)

    code, out, _ = run(capsys, "channel", "status", "--json")
    channels = {entry["channel"]: entry for entry in json.loads(out)["channels"]}
    waiting = channels["line"]["pending"]
    assert channels["line"]["paused"] and "You have reached your monthly limit." in channels["line"]["reason"]
    assert channels["line"]["quota"]["limit"] == 1000 and channels["line"]["quota"]["verdict"] == "used_up"
    assert waiting["deliveries"] == 1 and waiting["residents"] + channels["line"]["quota"]["used"] == 1200

    code, out, _ = run(capsys, "report", str(notice_id))
    assert code == 0 and "line is PAUSED since" in out and "monthly limit" in out
    assert f"waiting on it: {waiting['residents']:,} residents in 1 delivery of this notice" in out
    report = json.loads(run(capsys, "report", str(notice_id), "--json")[1])
    assert report["paused_channels"][0]["pending"] == waiting

    code, _, err = resume("line", by="chen")
    assert code == 2 and "chen is editor; send needs another role" in err  # resuming releases what waits to go
    code, out, err = resume("line")
    assert code == 1 and "line stays paused: its monthly quota is still used up" in err
    assert "of 1,000 messages used this month" in err and "--force" in err and out == ""
    assert paused(line) and resumes(line) == []

    line.set_quota(5000)  # the office raised the limit with LINE
    code, out, _ = resume("line")
    assert code == 0, out
    resumed = f"line resumed: {waiting['residents']:,} residents in 1 delivery are waiting to be sent"
    assert out.splitlines()[0] == resumed
    assert "of 5,000 messages used this month" in out
    assert not paused(line)
    [entry] = resumes(line)
    assert (entry.actor, entry.via, entry.subject_type, entry.subject_id) == ("lin", "cli", "channel", "line")
    assert entry.detail["quota_limit"] == 5000 and entry.detail["forced"] is False
    assert entry.detail["pending_residents"] == waiting["residents"] and "monthly limit" in entry.detail["reason"]

    line.run_worker(until_paused=False)  # the rest goes out
    assert resume("line")[1] == "line was not paused\n"
    assert json.loads(run(capsys, "report", str(notice_id), "--json")[1])["channels"]["line"]["sent"] == 1200


def test_a_quota_that_cannot_be_read_resumes_only_when_forced(capsys, line, resume):
    line.pause_line(quota=600, residents=900)
    line.line_faults(error_rate=1.0)  # LINE answers 500 to everything, the quota included
    code, _, err = resume("line")
    assert code == 1 and "its monthly quota could not be read (LINE server error 500" in err
    assert paused(line)
    code, out, _ = resume("line", "--force")
    assert code == 0 and out.startswith("line resumed (forced):")
    [entry] = resumes(line)
    assert entry.detail["forced"] is True and entry.detail["verdict"] == "unknown"
    assert entry.summary.startswith("forced: its monthly quota could not be read")


def test_an_unknown_channel_is_named(capsys, line, resume):
    code, _, err = resume("fax")
    assert code == 2 and "there is no channel 'fax'; the channels are: facebook, line" in err
