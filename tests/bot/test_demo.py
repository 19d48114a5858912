"""The demo on the embedded default: every targeted resident reached, the page post made, the feed on air."""

from __future__ import annotations

import json

from bot.cli.main import main


def test_demo_json(capsys, tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("database:\n  url: sqlite:///var/civicast.db\ntranslation:\n  engine: none\n", encoding="utf-8")
    monkeypatch.setenv("CIVICAST_CONFIG", str(config))
    assert main(["demo", "--subscribers", "3000", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    line = report["channels"]["line"]
    assert line["targeted"] > 1500 and line["sent"] == line["targeted"] and line["failed"] == line["dead"] == 0
    assert len(line["languages"]) == 12
    assert report["channels"]["facebook"]["sent"] == 1 and len(report["channels"]["facebook"]["post_ids"]) == 1
    cable = report["channels"]["cable_tv"]
    # The demo's notice is a land warning for a severe typhoon: Extreme, by kinds.yaml's level table.
    assert cable["on_air"] and cable["cap_document"] and cable["crawl_line_en"].startswith("[Extreme danger] Typhoon")
    # A second run replaces the demo residents instead of piling them up.
    assert main(["demo", "--subscribers", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["channels"]["line"]["targeted"] < 100


def test_the_demo_goes_through_the_desk_as_two_officers_and_refuses_to_run_live(capsys, tmp_path, monkeypatch):
    from sqlalchemy import select

    from bot.office.models import AuditEntry
    from bot.office.services import Services
    from bot.settings import load_settings

    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'demo.db'}\ntranslation:\n  engine: none\n", encoding="utf-8"
    )
    monkeypatch.setenv("CIVICAST_CONFIG", str(config))
    assert main(["demo", "--subscribers", "300", "--json"]) == 0
    notice_id = json.loads(capsys.readouterr().out)["notice_id"]
    services = Services(load_settings(config, environ={}))
    with services.session_factory() as session:
        steps = session.execute(
            select(AuditEntry.actor, AuditEntry.via, AuditEntry.action)
            .where(AuditEntry.subject_type == "notice", AuditEntry.subject_id == str(notice_id))
            .order_by(AuditEntry.id)
        ).all()
    services.close()
    assert [tuple(step) for step in steps] == [
        ("demo-editor", "demo", "compose"),
        ("demo-editor", "demo", "submit"),
        ("demo-approver", "demo", "approve"),
        ("demo-approver", "demo", "send"),
    ]

    live = tmp_path / "live.yaml"
    live.write_text(
        config.read_text(encoding="utf-8")
        + (
            "channels:\n  mode: live\n  line: {channel_access_token: real-token, channel_secret: real-secret}\n"
            "  facebook: {page_access_token: real-page-token, app_secret: real-app-secret, verify_token: real-verify}\n"
            "console:\n  secret_key: a-real-secret-key-of-thirty-two-characters-or-more\n"
        ),
        encoding="utf-8",
    )
    assert main(["--config", str(live), "demo", "--subscribers", "10"]) == 2
    assert "civicast is live" in capsys.readouterr().err
