"""The console's monthly reports: the page for a signed-in officer, the downloads in each format and language,
a bad month refused by name, and anonymous readers sent to sign in."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from odf.opendocument import load

from tests.support.console_pages import Officer, check_accessible_structure, html, table_rows, text
from tests.support.report_month import MONTH, seed_month


@pytest.fixture
def officer(app, services):
    seed_month(services)
    return Officer(app, "ed-lin")


def test_the_reports_page_shows_the_months_figures_and_links_each_download(officer):
    tree = html(officer.get(f"/console/reports?month={MONTH}&lang=en"))
    assert "Monthly report 2026-10" in text(tree)
    check_accessible_structure(tree)
    summary = table_rows(tree, "Summary")
    assert summary["Notices sent"] == ["3"] and summary["Recipients reached"] == ["207"]
    reach = table_rows(tree, "Recipients reached per language")
    assert reach["English"] == ["line", "7"] and reach["Chinese (Traditional)"] == ["line", "200"]
    assert "typhoon_land_warning" not in text(tree, "//table[@id='report-notices']")  # the kind's title instead
    links = tree.xpath("//ul[@id='report-downloads']//a/@href")
    assert links == [f"/console/reports/{MONTH}.{ext}?lang=en" for ext in ("odt", "ods", "pdf")]
    assert tree.xpath("//nav//a[@href='/console/reports']")


def test_the_page_in_traditional_chinese(officer):
    officer.language("zh-Hant")
    tree = html(officer.get(f"/console/reports?month={MONTH}&lang=zh-Hant"))
    check_accessible_structure(tree)
    assert tree.get("lang") == "zh-Hant" and "下載 PDF" in text(tree)
    assert table_rows(tree, "摘要")["已發送通知"] == ["3"]
    assert table_rows(tree, "依語言與管道統計的觸及人數")["英文"] == ["line", "7"]
    assert tree.xpath("//section[@lang='zh-Hant']")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make system-packages)")
def test_each_download_opens(officer, tmp_path):
    pdf = officer.get(f"/console/reports/{MONTH}.pdf?lang=zh-Hant")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert f"civicast-report-{MONTH}-zh-Hant.pdf" in pdf.headers["Content-Disposition"]
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.data)
    assert "已發送通知" in subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    for ext in ("ods", "odt"):
        answer = officer.get(f"/console/reports/{MONTH}.{ext}?lang=en")
        assert answer.status_code == 200 and answer.mimetype.startswith("application/vnd.oasis.opendocument")
        assert load(io.BytesIO(answer.data)) is not None


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/console/reports?month=2026-13", "2026-13"),
        ("/console/reports/October.pdf", "October"),
        ("/console/reports/2026-10.docx", "docx"),
        ("/console/reports/2026-10.pdf?lang=ja", "ja"),
    ],
)
def test_a_bad_month_format_or_language_is_refused_by_name(officer, path, named):
    answer = officer.get(path)
    assert answer.status_code == 400 and named in answer.get_data(as_text=True)


def test_anonymous_readers_are_sent_to_sign_in(app):
    client = app.test_client()
    for path in ("/console/reports", f"/console/reports/{MONTH}.pdf?lang=en"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]
