"""The report as OpenDocument: a spreadsheet (ODS, one sheet per table, numbers as float cells) and a text
document (ODT: headings, tables, the charts as embedded SVG images)."""

from __future__ import annotations

import io

from odf.dc import Language
from odf.draw import Frame, Image
from odf.opendocument import OpenDocument, OpenDocumentSpreadsheet, OpenDocumentText
from odf.table import Table as OdfTable
from odf.table import TableCell, TableColumn, TableRow
from odf.text import H, P

from bot.reports.figures import MonthReport
from bot.reports.tables import Cell, Names, body_tables, charts, label, tables


def _cell(value: Cell) -> TableCell:
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell = TableCell(valuetype="float", value=value)
        cell.addElement(P(text=str(value)))
        return cell
    cell = TableCell(valuetype="string")
    cell.addElement(P(text="" if value is None else str(value)))
    return cell


def _table(name: str, headings: tuple[str, ...], rows: tuple[tuple[Cell, ...], ...]) -> OdfTable:
    sheet = OdfTable(name=name)
    for _ in headings:
        sheet.addElement(TableColumn())
    for values in (headings, *rows):
        row = TableRow()
        for value in values:
            row.addElement(_cell(value))
        sheet.addElement(row)
    return sheet


def _bytes(document: OpenDocument) -> bytes:
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def _language(document: OpenDocument, language: str) -> None:
    document.meta.addElement(Language(text=language))


def report_ods(report: MonthReport, language: str, names: Names | None = None) -> bytes:
    document = OpenDocumentSpreadsheet()
    _language(document, language)
    for table in tables(report, language, names):
        document.spreadsheet.addElement(_table(table.key, table.headings, table.rows))
    return _bytes(document)


def report_odt(report: MonthReport, language: str, names: Names | None = None) -> bytes:
    document = OpenDocumentText()
    _language(document, language)
    document.text.addElement(H(outlinelevel=1, text=label(language, "title", month=report.month)))
    report_charts = charts(report, language)
    for table in body_tables(tables(report, language, names), report_charts):
        document.text.addElement(H(outlinelevel=2, text=table.caption))
        document.text.addElement(_table(table.key, table.headings, table.rows))
    for chart in report_charts:
        document.text.addElement(H(outlinelevel=2, text=chart.title))
        href = document.addPicture(f"Pictures/{chart.key}.svg", "image/svg+xml", chart.svg.encode())
        frame = Frame(width="16cm", height="6cm", anchortype="as-char", name=chart.key)
        frame.addElement(Image(href=href))
        paragraph = P()
        paragraph.addElement(frame)
        document.text.addElement(paragraph)
        if chart.table is not None:  # the chart's numbers right after it, for whoever cannot see the bars
            document.text.addElement(_table(chart.table.key, chart.table.headings, chart.table.rows))
    return _bytes(document)
