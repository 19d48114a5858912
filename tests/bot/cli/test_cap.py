"""``civicast cap``: import files as an officer, one line each; list and show what came in; the rules."""

from __future__ import annotations

import json
import shutil

from tests.support.cli import run
from tests.support.ingest_stack import CAP_DATA
from tests.support.officers import as_officer, officers


def test_import_prints_one_line_per_file_and_exits_0_when_every_file_was_handled(capsys, tmp_path, services):
    officers(services.session_factory, duty="editor")
    capsys.readouterr()
    folder = tmp_path / "archive"
    folder.mkdir()
    for name in (
        "WRA_WaterLevelWarn_20190824140323.xml",
        "KHC_Parking_20190823224823.xml",
        "fifows_typhoon-warning_201908230536.xml",
    ):
        shutil.copy(CAP_DATA / name, folder / name)
    (folder / "error-page.cap").write_bytes(b"<html><head><title>404 Not Found</title></head></html>")
    code, out, err = run(capsys, "cap", "import", *as_officer(tmp_path, "duty"), str(folder))
    assert code == 0, err
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert len(lines) == 4
    assert lines[str(folder / "error-page.cap")].startswith("rejected: an HTML page")
    assert lines[str(folder / "WRA_WaterLevelWarn_20190824140323.xml")].startswith("ignored: civicast has no notice")
    assert lines[str(folder / "KHC_Parking_20190823224823.xml")].startswith("ignored: it expired")
    assert lines[str(folder / "fifows_typhoon-warning_201908230536.xml")] == "ignored: touches no Kaohsiung district"

    code, out, _ = run(
        capsys, "cap", "import", *as_officer(tmp_path, "duty"), str(folder / "KHC_Parking_20190823224823.xml")
    )
    assert code == 0 and ": duplicate: the same alert" in out

    code, out, _ = run(capsys, "cap", "list", "--json", "--outcome", "rejected")
    [rejected] = json.loads(out)
    assert rejected["source"] == "file" and rejected["origin"] == "error-page.cap (imported by duty)"
    code, out, _ = run(capsys, "cap", "show", str(rejected["id"]), "--raw")
    assert out.startswith("<html>")


def test_import_needs_an_officer_who_composes_and_names_a_missing_file(capsys, tmp_path, services):
    officers(services.session_factory, reader="viewer", duty="editor")
    code, _, err = run(capsys, "cap", "import", *as_officer(tmp_path, "reader"), str(CAP_DATA))
    assert code == 2 and "compose" in err
    code, _, err = run(capsys, "cap", "import", *as_officer(tmp_path, "duty"), str(tmp_path / "nowhere.cap"))
    assert code != 0 and "nowhere.cap: no such file or directory" in err


def test_rules_are_listed_in_order(capsys, services):
    capsys.readouterr()
    code, out, _ = run(capsys, "cap", "rules")
    assert code == 0
    assert out.splitlines()[0] == "1. earthquake intensity 4 or more: kind earthquake_report, level ≥ 4 → auto_send"
    assert out.splitlines()[-1] == "4. everything else to the desk: kind * → draft (duty officers told)"
