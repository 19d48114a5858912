"""The demo on the embedded default: every targeted resident reached, the page post made, the feed on air."""

from __future__ import annotations

import json

from bot.cli import main


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
    assert cable["on_air"] and cable["cap_document"] and cable["crawl_line_en"].startswith("[Severe] Typhoon")
    # A second run replaces the demo residents instead of piling them up.
    assert main(["demo", "--subscribers", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["channels"]["line"]["targeted"] < 100
