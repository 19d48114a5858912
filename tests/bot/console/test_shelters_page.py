"""The console's shelters page: which listed shelters are open and why, and the Open and Close buttons of officers
who may send notices (audited); managers' contacts only for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.shelters.models import Shelter
from messages.models import Notice, NoticeStatus
from tests.support.console_pages import Officer, audit_actions, check_accessible_structure, html, text
from tests.support.shelters import import_test_list


@pytest.fixture
def shelters(services):
    return import_test_list(services.session_factory, services.glossary, now=datetime.now(UTC))


def rows(tree) -> dict[str, str]:
    return {text(row, "th"): " ".join(text(cell, ".") for cell in row.xpath("td")) for row in tree.xpath("//tbody/tr")}


def live_notice(services, shelter: str, district: str) -> int:
    with services.session_factory.begin() as session:
        notice = Notice(
            kind="shelter_open",
            params={"shelter": shelter, "district": district},
            districts=[district],
            topic="disaster",
            status=NoticeStatus.SENT,
            sent_at=datetime.now(UTC) - timedelta(minutes=5),
        )
        session.add(notice)
        session.flush()
        return notice.id


def test_the_page_in_both_languages(app, services, shelters):
    admin = Officer(app, "ad-wu")
    for lang, words in (
        ("en", ["6 shelters", "Sanmin District", "200 people", "flood, earthquake", "Not open"]),
        ("zh-Hant", ["共 6 處", "三民區", "200 人", "水災、震災", "未開設"]),
    ):
        admin.language(lang)
        tree = html(admin.get("/console/shelters"))
        check_accessible_structure(tree)
        assert all(word in text(tree) for word in words), lang
        assert "capacity" not in rows(tree)["前鎮高中"]  # its listed capacity was implausible


def test_an_officer_who_may_send_opens_and_closes_a_shelter(app, services, shelters):
    admin = Officer(app, "ad-wu")
    response = admin.post(f"/console/shelters/{shelters['三民國中']}/open", data={"district": "sanmin"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/console/shelters?district=sanmin")
    page = html(admin.get("/console/shelters?district=sanmin"))
    assert "三民國中 is open" in text(page, "//div[@class='flashes']")
    assert set(rows(page)) == {"三民國中", "三民區民眾活動中心"}
    assert "by ad-wu" in rows(page)["三民國中"] and "Not open" in rows(page)["三民區民眾活動中心"]
    assert page.xpath("//tbody//a[@href='tel:07-3805678']")  # the manager to call, for those who open shelters
    assert set(rows(html(admin.get("/console/shelters?open=1")))) == {"三民國中"}
    admin.post(f"/console/shelters/{shelters['三民國中']}/close")
    assert "Not open" in rows(html(admin.get("/console/shelters")))["三民國中"]
    assert audit_actions(services, "shelter", str(shelters["三民國中"])) == ["open_shelter", "close_shelter"]


def test_an_editor_sees_no_buttons_nor_contacts_and_cannot_open(app, services, shelters):
    editor = Officer(app, "ed-lin")
    page = html(editor.get("/console/shelters"))
    assert page.xpath("//main//form[@method='post']") == [] and "陳美玲" not in text(page)
    assert editor.post(f"/console/shelters/{shelters['三民國中']}/open").status_code == 403
    with services.session_factory() as session:
        assert session.scalar(select(Shelter.open).where(Shelter.id == shelters["三民國中"])) is False


def test_a_shelter_opened_by_a_notice_links_to_it_and_a_notice_naming_no_shelter_is_flagged(app, services, shelters):
    opening = live_notice(services, "旗津國中|Cijin Junior High School", "cijin")
    stray = live_notice(services, "旗津國小", "cijin")
    page = html(Officer(app, "ad-wu").get("/console/shelters?district=cijin"))
    assert f"by notice {opening}" in rows(page)["旗津國中"]
    assert page.xpath(f"//tbody//a[@href='/console/notices/{opening}']")
    assert f"Live notice {stray} opens “旗津國小” in Cijin District, which is not a listed shelter" in text(page)


def test_an_unknown_shelter_is_404(app, services, shelters):
    assert Officer(app, "ad-wu").post("/console/shelters/999999/open").status_code == 404
