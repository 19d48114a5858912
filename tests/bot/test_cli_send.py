"""Officers on the command line: create, approve by a second officer, send, report, schedule, cancel."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.services import Services
from bot.settings import load_settings
from tests.scheduler.conftest import add_residents


@pytest.fixture
def config(tmp_path, monkeypatch, database_url, engine):
    path = tmp_path / "config.yaml"
    path.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    monkeypatch.setenv("CIVICAST_CONFIG", str(path))
    services = Services(load_settings(path, environ={}))
    with services.session_factory.begin() as session:
        add_residents(session, services.glossary, 1200)
    services.close()
    return path


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def create(capsys, *extra):
    code, out, err = run(capsys, "notice", "create", "heavy_rain", "--example", "--author", "chen", *extra)
    assert code == 0, err
    return out


def test_the_author_cannot_approve_a_live_notice(capsys, config):
    notice_id = create(capsys)
    code, _, err = run(capsys, "notice", "approve", notice_id, "--by", "chen")
    assert code == 2 and "needs a different approver" in err
    code, _, err = run(capsys, "send", notice_id)
    assert code == 2 and "draft" in err  # not approved: nothing goes out
    assert run(capsys, "notice", "approve", notice_id, "--by", "lin")[0] == 0


def test_training_notices_may_be_self_approved(capsys, config):
    notice_id = create(capsys, "--training")
    assert run(capsys, "notice", "approve", notice_id, "--by", "chen")[0] == 0


def test_send_then_report(capsys, config):
    notice_id = create(capsys)
    run(capsys, "notice", "approve", notice_id, "--by", "lin")
    code, out, _ = run(capsys, "send", notice_id)
    assert code == 0 and "deliveries queued" in out
    code, out, _ = run(capsys, "report", notice_id, "--json")
    report = json.loads(out)
    line = report["channels"]["line"]
    assert report["status"] == "sending" and line["targeted"] == 1200 and line["pending"] == 1200
    assert set(line["languages"]) >= {"zh-Hant", "vi", "th"}
    code, out, _ = run(capsys, "report", notice_id)
    assert "targeted" in out and "vi" in out
    code, _, err = run(capsys, "send", notice_id)
    assert code == 2 and "sending" in err


def test_schedule_list_and_cancel(capsys, config):
    notice_id = create(capsys)
    run(capsys, "notice", "approve", notice_id, "--by", "lin")
    code, out, _ = run(capsys, "schedule", notice_id, "--at", "2099-01-01T08:00")
    assert code == 0 and "scheduled at 2099-01-01T08:00:00+08:00" in out
    assert f"{notice_id}  scheduled" in run(capsys, "notice", "list", "--status", "scheduled")[1].replace("   ", " ")
    code, _, err = run(capsys, "schedule", notice_id, "--at", "tomorrow")
    assert code == 2 and "--at" in err
    code, out, _ = run(capsys, "cancel", notice_id, "--by", "lin")
    assert code == 0 and "before it was sent" in out


def test_cancel_after_sending_sends_a_cancellation(capsys, config):
    notice_id = create(capsys)
    run(capsys, "notice", "approve", notice_id, "--by", "lin")
    run(capsys, "send", notice_id)
    code, out, _ = run(capsys, "cancel", notice_id, "--by", "lin")
    assert code == 0 and "cancellation notice" in out


def test_unknown_notices_and_resuming_channels(capsys, config):
    code, _, err = run(capsys, "send", "999")
    assert code == 2 and "no notice 999" in err
    assert run(capsys, "channel", "resume", "line")[1] == "line was not paused"
