"""Monthly reports: the figures of a seeded month, the PDF readable by pdftotext in both languages, tagged and
declaring its language, the ODS holding the same numbers as float cells, and the console's page and downloads."""

from __future__ import annotations

import shutil
import subprocess
import zlib

import pytest
from odf.namespaces import OFFICENS
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from bot.reports.figures import BadMonth, month_report
from bot.reports.office import report_ods, report_odt
from bot.reports.pdf import report_pdf
from tests.support.report_month import MONTH, seed_month


@pytest.fixture
def seeded(services):
    seed_month(services)


@pytest.fixture
def report(services, seeded):
    with services.session_factory() as session:
        return month_report(session, services.glossary, MONTH)


def test_the_figures_count_the_months_live_notices_deliveries_petitions_and_polls(report):
    assert report.notices_sent == 3
    assert [(row.topic, row.notices) for row in report.topics] == [("disaster", 3), ("health", 0), ("transport", 0)]
    assert {(r.language, r.channel): r.recipients for r in report.reach} == {
        ("en", "line"): 7,
        ("zh-Hant", "line"): 200,
    }
    assert report.delivery_p50_seconds == 50.0
    assert report.delivery_p95_seconds is not None and 50 < report.delivery_p95_seconds <= 90
    by_agency = {row.agency: row for row in report.petitions}
    assert (by_agency["water_resources"].received, by_agency["water_resources"].on_time) == (2, 1)
    assert (by_agency["public_works"].received, by_agency["public_works"].not_on_time) == (1, 1)
    assert report.mean_satisfaction == 3.5 and report.ratings == 2
    assert {(p.answer, p.votes) for p in report.polls} == {("yes", 2), ("Only on holidays", 1)}


def test_a_month_that_is_not_one_is_refused_by_name(services):
    with services.session_factory() as session, pytest.raises(BadMonth, match="2026-13"):
        month_report(session, services.glossary, "2026-13")


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams opened, so object streams can be searched for catalog keys."""
    parts = [pdf]
    start = 0
    while (begin := pdf.find(b"stream", start)) != -1:
        begin += len(b"stream\r\n") if pdf[begin + 6 : begin + 8] == b"\r\n" else len(b"stream\n")
        end = pdf.find(b"endstream", begin)
        try:
            parts.append(zlib.decompress(pdf[begin:end]))
        except zlib.error:
            pass
        start = end + len(b"endstream")
    return b"".join(parts)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make system-packages)")
@pytest.mark.parametrize(("language", "words"), [("en", "Notices sent"), ("zh-Hant", "已發送通知")])
def test_the_pdf_opens_with_pdftotext_holds_the_figures_and_is_tagged_in_its_language(
    report, tmp_path, language, words
):
    pdf = report_pdf(report, language)
    text = _pdf_text(pdf, tmp_path)
    assert MONTH in text and words in text
    agency = "水利局" if language == "zh-Hant" else "Water Resources Bureau"
    for figure in ("207", "200", "3.5", agency, "Only on holidays"):
        assert figure in text
    opened = _inflated(pdf)
    assert f"/Lang ({language})".encode() in opened
    assert b"/StructTreeRoot" in opened and b"/MarkInfo" in opened
    if language == "zh-Hant":  # Chinese set in Noto Sans CJK TC, embedded
        assert b"Noto-Sans-CJK-TC" in opened


def _sheets(ods: bytes, tmp_path) -> dict[str, list[list[tuple[str | None, str | None]]]]:
    path = tmp_path / "report.ods"
    path.write_bytes(ods)
    document = load(str(path))
    sheets = {}
    for table in document.spreadsheet.getElementsByType(Table):
        sheets[table.getAttribute("name")] = [
            [
                (cell.attributes.get((OFFICENS, "value-type")), cell.attributes.get((OFFICENS, "value")))
                for cell in row.getElementsByType(TableCell)
            ]
            for row in table.getElementsByType(TableRow)
        ]
    return sheets


def test_the_ods_opens_with_odfpy_and_holds_the_same_numbers_as_float_cells(report, tmp_path):
    sheets = _sheets(report_ods(report, "en"), tmp_path)
    assert list(sheets) == ["summary", "notices", "topics", "reach", "petitions", "polls"]
    summary = [row[1] for row in sheets["summary"][1:]]
    assert summary[0] == ("float", "3") and summary[1] == ("float", "207") and summary[2] == ("float", "3")
    assert ("float", "3.5") in summary
    reach = {float(row[2][1]) for row in sheets["reach"][1:]}
    assert reach == {float(r.recipients) for r in report.reach}
    petitions = [[float(value) for kind, value in row[1:]] for row in sheets["petitions"][1:]]
    assert petitions == [
        [float(r.received), float(r.answered), float(r.on_time), float(r.not_on_time)] for r in report.petitions
    ]
    assert sorted(float(row[2][1]) for row in sheets["polls"][1:]) == [1.0, 2.0]


def test_the_odt_has_headings_tables_and_the_charts_as_svg(report, tmp_path):
    path = tmp_path / "report.odt"
    path.write_bytes(report_odt(report, "zh-Hant"))
    document = load(str(path))
    assert any(name.endswith(".svg") for name in document.Pictures)
    assert len(document.text.getElementsByType(Table)) == 6  # the notices by topic beside their chart
