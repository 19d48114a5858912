"""The monthly report's notices by topic (disaster, health, transport): a chart with its table beside it in the
PDF and the ODT, a sheet of float cells in the ODS, the PDF's text and the ODS holding the same numbers."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from odf import teletype
from odf.namespaces import OFFICENS
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from bot.reports.figures import MonthReport, NoticeCount, TopicCount, month_report
from bot.reports.office import report_ods, report_odt
from bot.reports.pdf import report_pdf
from messages.kinds import Topic
from tests.support.factories import saved_notice
from tests.support.report_month import MONTH, MONTH_START, seed_month

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make system-packages)")


@pytest.fixture
def report(services):
    """October's three disaster notices, two health notices; a transport notice in September and a health drill
    in October, neither counted."""
    seed_month(services)
    with services.session_factory.begin() as session:
        for kind in ("extreme_heat", "dengue_outbreak"):
            saved_notice(session, services.composer, kind, sent_at=MONTH_START + timedelta(days=2))
        saved_notice(session, services.composer, "emergency_parking", sent_at=MONTH_START - timedelta(days=20))
        saved_notice(session, services.composer, "air_quality", training=True, sent_at=MONTH_START)
    with services.session_factory() as session:
        return month_report(session, services.glossary, MONTH)


def topic_sheet(ods: bytes, tmp_path) -> list[tuple[str, str | None, str | None]]:
    """The ODS's topics sheet below its headings: (topic's name, value type, value) per row."""
    path = tmp_path / "report.ods"
    path.write_bytes(ods)
    (sheet,) = [t for t in load(str(path)).spreadsheet.getElementsByType(Table) if t.getAttribute("name") == "topics"]
    rows = []
    for row in sheet.getElementsByType(TableRow)[1:]:
        name, count = row.getElementsByType(TableCell)
        rows.append(
            (
                teletype.extractText(name),
                count.attributes.get((OFFICENS, "value-type")),
                count.attributes.get((OFFICENS, "value")),
            )
        )
    return rows


def pdf_words(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def test_the_month_counts_its_live_notices_by_topic(report):
    assert [(row.topic, row.notices) for row in report.topics] == [("disaster", 3), ("health", 2), ("transport", 0)]
    assert [row.topic for row in report.topics] == [topic.value for topic in Topic]


@needs_pdftotext
@pytest.mark.parametrize(
    ("language", "rows"),
    [
        ("en", [("Disaster", "3"), ("Health", "2"), ("Transport", "0")]),
        ("zh-Hant", [("災害", "3"), ("衛生", "2"), ("交通", "0")]),
    ],
)
def test_the_pdf_text_and_the_ods_sheet_hold_the_same_notices_by_topic(report, tmp_path, language, rows):
    sheet = topic_sheet(report_ods(report, language), tmp_path)
    assert sheet == [(name, "float", count) for name, count in rows]
    words = pdf_words(report_pdf(report, language), tmp_path)
    # The table beside the chart, row after row: each topic's name and the sheet's number.
    assert " ".join(f"{name} {count}" for name, _kind, count in sheet) in words
    title = "Chart: notices sent by topic" if language == "en" else "圖表：依主題統計的已發送通知"
    assert title in words


def test_the_odt_shows_the_topics_chart_with_its_table_after_it(report, tmp_path):
    path = tmp_path / "report.odt"
    path.write_bytes(report_odt(report, "en"))
    document = load(str(path))
    assert "Pictures/topics.svg" in document.Pictures
    tables = [table.getAttribute("name") for table in document.text.getElementsByType(Table)]
    assert tables.count("topics") == 1 and tables[-1] == "topics"  # beside its chart, after the other tables
    svg = document.Pictures["Pictures/topics.svg"][1].decode()
    assert (
        "<title>Chart: notices sent by topic</title>" in svg
        and "Disaster: Notices 3" in svg
        and "Health: Notices 2" in svg
    )


@needs_pdftotext
def test_an_empty_table_says_none_in_the_reports_language(services, tmp_path):
    with services.session_factory() as session:
        empty = month_report(session, services.glossary, "2026-08")
    words = pdf_words(report_pdf(empty, "en"), tmp_path)
    assert "(none)" in words and "None" not in words
    assert "Disaster 0 Health 0 Transport 0" in words


@needs_pdftotext
def test_the_pdf_is_written_wherever_the_page_breaks_fall(tmp_path):
    """However many notice kinds push the tables down, a caption never ends a page without its table."""
    topics = tuple(TopicCount(topic.value, 1) for topic in Topic)
    for kinds in range(12):
        notices = tuple(NoticeCount(f"kind_{number}", "Severe", 1) for number in range(kinds))
        report = MonthReport(MONTH, notices, topics, (), None, None, (), None, 0, ())
        for language in ("zh-Hant", "en"):
            words = pdf_words(report_pdf(report, language), tmp_path)
            assert f"kind_{kinds - 1}" in words or kinds == 0, (kinds, language)
