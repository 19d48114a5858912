"""Storing the shelter list: a second import updates, never duplicates; a shelter no longer listed is withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.shelters.csv_file import COLUMNS, RowChecker, read_shelter_file
from bot.shelters.importer import import_shelters
from bot.shelters.models import Shelter
from messages.cap_geography import default_places
from tests.support.shelters import LIST_FILE, list_rows, write_list

NOW = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
GOOD = ["旗山國小", "三民區民眾活動中心", "三民國中", "旗津國中", "前鎮高中", "林園國小"]


@pytest.fixture(scope="module")
def checker(glossary):
    return RowChecker(glossary, default_places())


def store(session_factory, checker, path, *, now=NOW):
    with session_factory.begin() as session:
        return import_shelters(session, read_shelter_file(path, checker), now=now)


def stored(session_factory) -> dict[str, Shelter]:
    with session_factory() as session:
        shelters = list(session.scalars(select(Shelter)))
        session.expunge_all()
    return {shelter.name: shelter for shelter in shelters}


def test_good_rows_are_imported(session_factory, checker):
    report = store(session_factory, checker, LIST_FILE)
    assert (report.imported, report.updated, report.unchanged, report.refused, report.other_counties) == (6, 0, 0, 3, 1)
    assert report.with_notes == 2
    shelters = stored(session_factory)
    assert sorted(shelters) == sorted(GOOD)
    sanmin = shelters["三民區民眾活動中心"]
    assert (sanmin.district, sanmin.capacity, sanmin.hazards, sanmin.open) == (
        "sanmin",
        200,
        ["flood", "earthquake"],
        False,
    )
    assert (sanmin.lat, sanmin.lon, sanmin.serial, sanmin.withdrawn_at) == (22.6499, 120.3179, "2", None)


def _changed_release() -> list[list[str]]:
    """The next release: renumbered (序號 is per release), reordered, one capacity changed, one name written with a
    full-width space the folding ignores, 前鎮高中 gone, 鼓山區內惟活動中心 given coordinates."""
    rows = {row[6]: row for row in list_rows()}
    rows["旗山國小"][8] = "350"
    rows["三民國中"][6] = "三民　國中"
    rows["鼓山區內惟活動中心"][4:6] = ["120.2860", "22.6600"]
    del rows["前鎮高中"]
    release = list(reversed(rows.values()))
    for serial, row in enumerate(release, start=1):
        row[0] = str(serial)
    return release


def test_a_second_import_updates_and_never_duplicates(tmp_path, session_factory, checker):
    store(session_factory, checker, LIST_FILE)
    before = stored(session_factory)
    later = NOW + timedelta(days=30)
    report = store(session_factory, checker, write_list(tmp_path / "next.csv", _changed_release()), now=later)
    # 旗山國小's capacity is an update, renumbering is not; 鼓山區內惟活動中心 is new; 前鎮高中 withdrawn.
    assert (report.imported, report.updated, report.unchanged, report.withdrawn) == (1, 1, 4, 1)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Shelter)) == 7
    after = stored(session_factory)
    assert after["旗山國小"].capacity == 350 and after["旗山國小"].id == before["旗山國小"].id
    assert after["旗山國小"].updated_at == later
    assert after["三民國中"].id == before["三民國中"].id  # the same shelter, its name as first stored
    renumbered = next(row[0] for row in _changed_release() if row[6] == "旗山國小")
    assert after["旗山國小"].serial == renumbered != before["旗山國小"].serial  # the new release's number is kept
    assert after["前鎮高中"].withdrawn_at == later
    assert after["鼓山區內惟活動中心"].withdrawn_at is None


def test_the_same_file_twice_changes_nothing(session_factory, checker):
    store(session_factory, checker, LIST_FILE)
    report = store(session_factory, checker, LIST_FILE, now=NOW + timedelta(days=1))
    assert (report.imported, report.updated, report.unchanged, report.withdrawn) == (0, 0, 6, 0)


def test_a_withdrawn_shelter_listed_again_comes_back(tmp_path, session_factory, checker):
    store(session_factory, checker, LIST_FILE)
    store(session_factory, checker, write_list(tmp_path / "next.csv", _changed_release()))
    report = store(session_factory, checker, LIST_FILE)
    assert stored(session_factory)["前鎮高中"].withdrawn_at is None and report.updated >= 1


def test_a_shelter_whose_row_turns_bad_keeps_what_was_stored(tmp_path, session_factory, checker):
    store(session_factory, checker, LIST_FILE)
    rows = list_rows()
    rows[0][4:6] = [rows[0][5], rows[0][4]]  # 旗山國小's coordinates swapped in the next release
    report = store(session_factory, checker, write_list(tmp_path / "next.csv", rows))
    assert 2 in {p.line for p in report.problems if p.refused} and report.withdrawn == 0
    qishan = stored(session_factory)["旗山國小"]
    assert (qishan.lat, qishan.lon, qishan.withdrawn_at) == (22.888, 120.483, None)


def test_the_same_shelter_twice_in_one_file_is_refused_the_second_time(tmp_path, session_factory, checker):
    first = list_rows()[0]
    again = [*first[:8], "900", *first[9:]]
    report = store(session_factory, checker, write_list(tmp_path / "twice.csv", [first, again]))
    assert report.imported == 1 and report.refused == 1
    assert [(p.line, "the same shelter as line 2" in p.reason) for p in report.problems] == [(3, True)]
    assert stored(session_factory)["旗山國小"].capacity == 300


def test_a_file_of_other_counties_only_withdraws_nothing(tmp_path, session_factory, checker):
    store(session_factory, checker, LIST_FILE)
    tainan = [row for row in list_rows() if row[1].startswith("臺南市")]
    report = store(session_factory, checker, write_list(tmp_path / "tainan.csv", tainan, header=COLUMNS))
    assert (report.other_counties, report.withdrawn) == (1, 0)
    assert all(s.withdrawn_at is None for s in stored(session_factory).values())
