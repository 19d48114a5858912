"""A recurring notice's console page lists its occurrences, missed ones first to the eye; each occurrence's page
names the recurring notice it came from."""

from __future__ import annotations

from datetime import timedelta

from tests.support.console_pages import Officer, check_accessible_structure, html, table_rows, text
from tests.support.occurrences import FIRST, daily_notice_with_missed_occurrences


def test_the_recurring_notices_page_lists_its_occurrences(app, services):
    template_id, copies = daily_notice_with_missed_occurrences(services, services.composer)
    officer = Officer(app, "ed-lin")
    for lang in ("zh-Hant", "en"):
        officer.language(lang)
        page = officer.get(f"/console/notices/{template_id}")
        assert page.status_code == 200
        check_accessible_structure(html(page))
    tree = html(page)
    assert "2 occurrences of 3 were missed" in text(tree, "//p[@class='error-summary']")
    rows = table_rows(tree, "Occurrences, newest first: the latest 3 of 3")
    assert list(rows) == ["2026-12-03 08:00", "2026-12-02 08:00", "2026-12-01 08:00"]
    assert [row[0] for row in rows.values()] == ["sending", "missed its time", "missed its time"]
    sent_id = copies[FIRST + timedelta(days=2)]
    assert tree.xpath(f"//section[@class='occurrences']//a[@href='/console/notices/{sent_id}']")

    occurrence = html(officer.get(f"/console/notices/{copies[FIRST]}"))
    assert "The occurrence at 2026-12-01 08:00 (Taipei time) of recurring notice" in text(occurrence)
    assert occurrence.xpath(f"//a[@href='/console/notices/{template_id}']")
