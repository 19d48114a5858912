"""The report as a tagged PDF (PDF/UA-1) through WeasyPrint, from an HTML template that declares its language:
headings, tables with captions and scoped headers, charts as inline SVG with a title and a description.

WeasyPrint 68 supports the PDF/UA-1 variant: it tags the structure and writes /Lang (from the html element)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML

from bot.reports.figures import MonthReport
from bot.reports.tables import Names, body_tables, charts, label, tables

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


def report_html(report: MonthReport, language: str, names: Names | None = None) -> str:
    report_charts = charts(report, language)
    return _TEMPLATES.get_template("report.html").render(
        language=language,
        title=label(language, "title", month=report.month),
        tables=body_tables(tables(report, language, names), report_charts),
        charts=report_charts,
        empty=label(language, "none"),
    )


def report_pdf(report: MonthReport, language: str, names: Names | None = None) -> bytes:
    # PDF/UA-1 makes WeasyPrint tag the structure and write /Lang and the title into the catalog.
    document = HTML(string=report_html(report, language, names)).render(pdf_variant="pdf/ua-1")
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None  # no target given: the bytes come back
    return bytes(pdf)
