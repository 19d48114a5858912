"""Monthly reports in the console: the month's figures on a page, and downloads as ODT, ODS and PDF in English or
Traditional Chinese (``bot.reports``). Officers who may view notices may read them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Response, render_template, request

from bot.console import blueprint
from bot.console.auth import now, officer_required, services
from bot.console.ui import translate, ui_language
from bot.office.accounts import Permission
from bot.opendata.petitions import month_of
from bot.reports.figures import BadMonth, MonthReport, checked_month, month_report
from bot.reports.office import report_ods, report_odt
from bot.reports.pdf import report_pdf
from bot.reports.tables import REPORT_LANGUAGES, Names, charts, label, tables

FORMATS: dict[str, tuple[str, Callable[[MonthReport, str, Names], bytes]]] = {
    "odt": ("application/vnd.oasis.opendocument.text", report_odt),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", report_ods),
    "pdf": ("application/pdf", report_pdf),
}


def _bad(message_key: str, **values: str) -> tuple[str, int]:
    return render_template(
        "console/error.html", title=translate("reports.bad_request"), message=translate(message_key, **values)
    ), 400


def _report_language() -> str | None:
    language = request.args.get("lang") or ui_language()
    return language if language in REPORT_LANGUAGES else None


def _names(language: str) -> Names:
    svc = services()
    catalog = svc.catalogs.get(language)

    def kind(key: str) -> str:
        found = svc.kinds.kinds.get(key)
        return key if found is None else catalog.translate(f"{found.id}.title", found.title)

    return Names(kind=kind)


def _report(month: str) -> MonthReport:
    svc = services()
    with svc.session_factory() as session:
        return month_report(session, svc.glossary, month, now=now())


@blueprint.get("/reports")
@officer_required(Permission.VIEW)
def reports() -> Any:
    last_month = month_of(now().replace(day=1) - timedelta(days=1))
    month = request.args.get("month") or last_month
    language = _report_language()
    if language is None:
        return _bad("reports.bad_language", language=request.args.get("lang", ""))
    try:
        report = _report(checked_month(month))
    except BadMonth:
        return _bad("reports.bad_month", month=month)
    return render_template(
        "console/reports.html",
        title=translate("reports.title"),
        month=month,
        language=language,
        languages=REPORT_LANGUAGES,
        formats=tuple(FORMATS),
        heading=label(language, "title", month=month),
        tables=tables(report, language, _names(language)),
        charts=charts(report, language),
        empty=label(language, "none"),
    )


@blueprint.get("/reports/<month>.<file_format>")
@officer_required(Permission.VIEW)
def report_download(month: str, file_format: str) -> Any:
    if file_format not in FORMATS:
        return _bad("reports.bad_format", format=file_format)
    language = _report_language()
    if language is None:
        return _bad("reports.bad_language", language=request.args.get("lang", ""))
    try:
        report = _report(checked_month(month))
    except BadMonth:
        return _bad("reports.bad_month", month=month)
    mimetype, write = FORMATS[file_format]
    name = f"civicast-report-{month}-{language}.{file_format}"
    return Response(
        write(report, language, _names(language)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
