"""civicast shelters: importing the national list (bad rows by line, unreadable files refused whole, nothing stored
lost), listing it, and opening and closing shelters as a signed-in officer."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.office.models import AuditEntry
from bot.shelters.models import Shelter
from tests.support.cli import run
from tests.support.officers import as_officer, officers
from tests.support.shelters import LIST_FILE, list_rows, write_list


@pytest.fixture(autouse=True)
def quiet_setup(capsys, services):
    capsys.readouterr()  # `civicast db upgrade`'s line, printed while the database was set up


def stored(services) -> dict[str, tuple[int | None, bool]]:
    with services.session_factory() as session:
        return {s.name: (s.capacity, s.withdrawn_at is None) for s in session.scalars(select(Shelter))}


def test_import_reports_each_bad_row_and_a_summary(capsys, services):
    code, out, err = run(capsys, "shelters", "import", str(LIST_FILE))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [re.match(r"line (\d+): (\w+):", line).groups() for line in lines[:-1]] == [
        ("5", "refused"),
        ("6", "refused"),
        ("8", "imported"),
        ("9", "imported"),
        ("10", "refused"),
        ("7", "skipped"),
    ]
    assert "swapped" in lines[0] and "no coordinates" in lines[1] and "outside Kaohsiung" in lines[4]
    assert lines[5] == "line 7: skipped: 1 row of 臺南市, not Kaohsiung"
    assert lines[-1] == (
        "shelters_kaohsiung.csv: 6 imported, 0 updated, 0 unchanged, 3 refused (2 rows imported "
        "with a note; 1 row of other counties skipped; 0 shelters no longer listed)"
    )
    with services.session_factory() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "import_shelters")).one()
        assert (audit.actor, audit.via, audit.subject_id) == ("cli", "cli", "shelters_kaohsiung.csv")


def test_a_second_import_of_a_changed_file_updates(capsys, tmp_path, services):
    run(capsys, "shelters", "import", str(LIST_FILE))
    rows = list_rows()
    rows[1][8] = "260"  # 三民區民眾活動中心 has room for more
    code, out, _ = run(capsys, "shelters", "import", str(write_list(tmp_path / "next.csv", rows)))
    assert code == 0 and out.splitlines()[-1].startswith("next.csv: 0 imported, 1 updated, 5 unchanged, 3 refused")
    assert stored(services)["三民區民眾活動中心"] == (260, True)
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Shelter)) == 6


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file"),
        ("序號,縣市及鄉鎮市區\r\n".encode("big5"), "not UTF-8"),
        ("\ufeff序號,名稱\r\n1,旗山國小\r\n".encode(), "not the shelter list's header"),
    ],
)
def test_a_file_that_is_not_the_list_is_one_line_and_changes_nothing(capsys, tmp_path, services, content, says):
    run(capsys, "shelters", "import", str(LIST_FILE))
    before = stored(services)
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, "shelters", "import", str(path))
    assert code == 2 and out == "" and says in err and err.count("\n") == 1 and "Traceback" not in err
    assert stored(services) == before


def test_a_file_unreadable_half_way_stores_none_of_it(capsys, tmp_path, services):
    run(capsys, "shelters", "import", str(LIST_FILE))
    rows = list_rows()
    rows[0][8] = "999"
    path = write_list(tmp_path / "half.csv", rows)
    path.write_bytes(path.read_bytes() + b"11,\xb0\xaa\xb6\xaf\xa5\xab\r\n")  # a last row saved as Big5
    code, _, err = run(capsys, "shelters", "import", str(path))
    assert code == 2 and "not UTF-8" in err
    assert stored(services)["旗山國小"] == (300, True)


def test_list_open_and_close(capsys, tmp_path, services):
    officers(services.session_factory, **{"ap-chen": "approver", "ed-lin": "editor"})
    run(capsys, "shelters", "import", str(LIST_FILE))
    code, out, _ = run(capsys, "shelters", "list", "--district", "三民區")
    assert code == 0 and out.splitlines()[-1] == "2 shelters" and "closed" in out and "李大華" not in out
    assert "李大華 07-3801234" in run(capsys, "shelters", "list", "--district", "sanmin", "--contacts")[1]

    code, out, _ = run(capsys, "shelters", "open", "三民國中", *as_officer(tmp_path, "ap-chen"))
    assert code == 0 and re.fullmatch(r"shelter \d+ \(三民區 三民國中\) is now open\n", out)
    code, out, _ = run(capsys, "shelters", "list", "--open")
    assert code == 0 and "三民國中" in out and "OPEN since" in out and "(ap-chen)" in out
    assert out.splitlines()[-1] == "1 shelter"

    code, _, err = run(capsys, "shelters", "close", "三民國中", *as_officer(tmp_path, "ed-lin"))
    assert code == 2 and "send needs another role" in err
    code, out, _ = run(capsys, "shelters", "close", "三民國中", *as_officer(tmp_path, "ap-chen"))
    assert code == 0 and out.endswith("is now closed\n")
    assert run(capsys, "shelters", "list", "--open")[1] == "0 shelters\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("open", "鳳山國小"), "no listed shelter is called '鳳山國小'"),
        (("open", "三民國中", "--district", "台北"), "--district: '台北' is not a known district"),
    ],
)
def test_open_mistakes_are_one_line(capsys, tmp_path, services, args, says):
    officers(services.session_factory, **{"ap-chen": "approver"})
    run(capsys, "shelters", "import", str(LIST_FILE))
    code, _, err = run(capsys, "shelters", *args, *as_officer(tmp_path, "ap-chen"))
    assert code == 2 and says in err and err.count("\n") == 1


def test_rows_of_other_counties_are_reported_per_county(capsys, tmp_path, services):
    """The national list is mostly other counties' rows: they do not bury the Kaohsiung rows to fix."""
    good, tainan = list_rows()[0], next(row for row in list_rows() if row[1].startswith("臺南市"))
    taipei = [*tainan[:1], "臺北市中正區", *tainan[2:]]
    rows = [tainan] * 5 + [good] + [taipei] + [[*good[:4], "", *good[5:]]]
    code, out, _ = run(capsys, "shelters", "import", str(write_list(tmp_path / "national.csv", rows)))
    assert code == 0 and out.splitlines()[:-1] == [
        "line 9: refused: 旗山國小: 經度 (longitude) is empty",
        "lines 2, 3, 4, …: skipped: 5 rows of 臺南市, not Kaohsiung",
        "line 8: skipped: 1 row of 臺北市, not Kaohsiung",
    ]
