"""The national shelter list in its published shape, for the shelter tests: the test file and files written like it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.shelters.csv_file import COLUMNS

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
