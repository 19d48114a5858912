"""The national shelter list in its published shape, for the shelter tests: the test file and files written like it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select

from bot.shelters.csv_file import COLUMNS, RowChecker, read_shelter_file
from bot.shelters.importer import import_shelters
from bot.shelters.models import Shelter
from messages.cap_geography import default_places

LIST_FILE = Path(__file__).resolve().parent.parent / "bot" / "shelters" / "data" / "shelters_kaohsiung.csv"


def list_rows() -> list[list[str]]:
    """The test file's data rows (without the header), as cells."""
    with LIST_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))[1:]


def write_list(path: Path, rows: list[list[str]], *, header: tuple[str, ...] = COLUMNS) -> Path:
    """A file as data.gov.tw publishes it: UTF-8 with a BOM, CRLF, cells quoted where they hold commas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def import_test_list(session_factory, glossary, *, now) -> dict[str, int]:
    """The test file's six good rows, stored: name → id."""
    with session_factory.begin() as session:
        import_shelters(session, read_shelter_file(LIST_FILE, RowChecker(glossary, default_places())), now=now)
        return {shelter.name: shelter.id for shelter in session.scalars(select(Shelter))}
