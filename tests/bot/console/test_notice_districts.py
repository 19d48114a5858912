"""The notice page shows the districts the notice concerns: the schematic map with them marked and their names
listed beside it, in the officer's language."""

from __future__ import annotations

from messages.district_map import district_layout
from tests.bot.console.test_confirm_step import approved_notice
from tests.bot.office.conftest import add_residents
from tests.support.console_pages import Officer, html, text


def figure(page):
    (section,) = page.xpath("//section[@aria-labelledby='notice-districts-title']")
    return section


def test_the_notice_page_marks_its_districts_on_the_map_and_lists_them_in_the_officer_s_language(app, services):
    add_residents(services, {"U" + "b" * 32: ["lingya", "cijin"]})
    notice_id = approved_notice(services, districts=("lingya", "cijin"))
    admin = Officer(app, "ad-wu", ui_lang="zh-Hant")
    section = figure(html(admin.get(f"/console/notices/{notice_id}")))
    assert section.xpath(".//li/text()") == ["苓雅區", "旗津區"]
    assert sorted(
        section.xpath(".//svg//g[contains(@class, 'tile') and contains(@class, 'marked')]/@data-district")
    ) == [
        "cijin",
        "lingya",
    ]
    (svg,) = section.xpath(".//svg")
    assert svg.get("role") == "img" and svg.get("lang") == "zh-Hant"
    assert text(section, ".//svg/desc") == "已標示：苓雅區、旗津區。"

    admin.language("en")
    section = figure(html(admin.get(f"/console/notices/{notice_id}")))
    assert section.xpath(".//li/text()") == ["Lingya District", "Cijin District"]
    assert text(section, ".//h2") == "Districts"


def test_a_city_wide_notice_marks_every_district(app, services):
    add_residents(services, {"U" + "c" * 32: []})
    notice_id = approved_notice(services, districts=("all",))
    section = figure(html(Officer(app, "ad-wu").get(f"/console/notices/{notice_id}")))
    marked = section.xpath(".//svg//g[contains(@class, 'marked')]/@data-district")
    assert sorted(marked) == sorted(district_layout(services.glossary).districts)
    assert section.xpath(".//li/text()") == ["The whole city"]
