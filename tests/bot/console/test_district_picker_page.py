"""The compose form's district picker without JavaScript, and a refused form's error summary.

The picker is plain checkboxes in one fieldset per area, named in the officer's language, with a ticked area box
standing for all its districts; a refused form (compose, schedule) names itself an error in the page title and
puts the focus on the summary, whose links lead to the fields.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import bot.console
from messages.district_map import district_layout
from messages.models import Notice, NoticeStatus
from tests.support.console_pages import Officer, html
from tests.support.factories import saved_notice

TEMPLATES = Path(bot.console.__file__).parent / "templates" / "console"


def test_the_districts_come_in_areas_named_in_the_officers_language(services, app):
    for ui_lang, lingya, area in (("en", "Lingya District", "Urban core"), ("zh-Hant", "苓雅區", "市區")):
        page = html(Officer(app, "ed-lin", ui_lang).get("/console/compose?kind=day_off"))
        areas = page.xpath("//fieldset[@data-district-picker]//fieldset[contains(@class, 'district-area')]")
        assert [fieldset.get("data-area") for fieldset in areas] == [
            group.key for group in district_layout(services.glossary).groups
        ]
        boxes = page.xpath("//fieldset[@data-district-picker]//input[@name='p.districts']")
        assert len(boxes) == 38 and len({box.get("value") for box in boxes}) == 38
        assert page.xpath("string(//label[@for='f-p.districts-lingya'])") == lingya
        assert area in areas[0].xpath("string(legend)")
        area_boxes = page.xpath("//input[@name='p.districts.group']")
        assert [box.get("value") for box in area_boxes] == [fieldset.get("data-area") for fieldset in areas]
        # The filter box is for the script to show; each district carries its names in every language for it.
        assert page.xpath("//div[contains(@class, 'district-filter')]/@hidden") == [""]
        assert "tamdan" in page.xpath("string(//div[input[@value='sanmin']]/@data-search)")
        (svg,) = page.xpath("//fieldset[@data-district-picker]//*[local-name()='svg']")
        assert svg.get("aria-hidden") == "true"
        assert len(svg.xpath(".//*[@data-district]")) == 38


def test_ticking_an_area_without_javascript_chooses_all_its_districts(services, app):
    editor = Officer(app, "ed-lin")
    answer = editor.post(
        "/console/compose?kind=day_off",
        data={
            "kind": "day_off",
            "p.decision": "work_and_school_closed",
            "p.date": "2026-10-03",
            "p.districts.group": "northern_coast",
            "p.districts": "lingya",
            "free_text_lang": "zh-Hant",
        },
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    with services.session_factory() as session:
        notice = session.scalars(select(Notice).order_by(Notice.id.desc())).first()
        assert notice.params["districts"] == ["lingya", "qieding", "yongan", "mituo", "ziguan"]
    form = html(editor.get(f"/console/notices/{notice.id}/edit"))
    assert form.xpath("//input[@value='northern_coast']/@checked") == ["checked"]  # the whole area is chosen
    assert form.xpath("//input[@value='urban_core']/@checked") == []
    assert sorted(form.xpath("//*[local-name()='g'][contains(@class, 'marked')]/@data-district")) == [
        "lingya",
        "mituo",
        "qieding",
        "yongan",
        "ziguan",
    ]


@pytest.mark.parametrize(("ui_lang", "prefix"), [("en", "Error: "), ("zh-Hant", "錯誤：")])
def test_a_refused_compose_form_says_error_in_its_title_and_focuses_the_summary(app, ui_lang, prefix):
    answer = Officer(app, "ed-lin", ui_lang).post(
        "/console/compose?kind=day_off", data={"kind": "day_off", "free_text_lang": "zh-Hant"}
    )
    assert answer.status_code == 422
    page = html(answer)
    assert page.findtext(".//title").startswith(prefix)
    (summary,) = page.xpath("//*[@id='error-summary']")
    assert summary.get("autofocus") is not None and summary.get("tabindex") == "-1" and summary.get("role") == "alert"
    targets = [href[1:] for href in summary.xpath(".//a/@href")]
    assert "f-p.districts" in targets and "f-p.decision" in targets
    assert all(page.xpath(f"//*[@id='{target}']") for target in targets)  # every link lands on its field


def test_a_form_without_errors_has_a_plain_title(app):
    page = html(Officer(app, "ed-lin").get("/console/compose?kind=day_off"))
    assert not page.findtext(".//title").startswith("Error")
    assert page.xpath("//*[@id='error-summary']") == []


def test_a_refused_schedule_focuses_a_summary_that_links_to_the_time(services, app):
    with services.session_factory.begin() as session:
        notice_id = saved_notice(session, services.composer, status=NoticeStatus.APPROVED).id
    answer = Officer(app, "ad-wu").post(
        f"/console/notices/{notice_id}/schedule", data={"repeat": "once", "at": ""}, follow_redirects=True
    )
    page = html(answer)
    assert page.findtext(".//title").startswith("Error: ")
    (summary,) = page.xpath("//*[@id='error-summary']")
    assert summary.get("autofocus") is not None
    assert summary.xpath(".//a/@href") == ["#schedule-at"]
    # The notice page's schedule form (shown when the notice has an audience) has the field of that id.
    assert 'id="schedule-at"' in (TEMPLATES / "_schedule_form.html").read_text(encoding="utf-8")
    assert "flash-error" in summary.xpath("string(.//p/@class)")


def test_a_refused_agency_form_has_the_same_summary(app):
    bad = Officer(app, "ad-wu").post("/console/agencies/new", {"key": "Bad Key", "name-en": "x"})
    assert bad.status_code == 422
    page = html(bad)
    assert page.findtext(".//title").startswith("Error: ")
    (summary,) = page.xpath("//*[@id='error-summary']")
    assert summary.get("autofocus") is not None
    assert summary.xpath(".//a/@href") == ["#new-key"] and page.xpath("//input[@id='new-key']")
