"""Numbers in addresses: a giant, negative or non-numeric id or page number finds nothing (404), on every
route and on both databases, never an error from the database driver."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.office.accounts import create_officer
from bot.office.services import Services
from bot.routing import MAX_ID, MAX_PAGE, page_number
from bot.settings import load_settings
from tests.support.console_pages import PASSWORDS, Officer, add_case
from tests.support.factories import saved_notice
from tests.support.incoming import incoming_alert

NOT_IDS = [str(10**30), str(MAX_ID + 1), str(2**63), "9" * 5000, "-1", "0", "abc", "1e3", "%C2%B3"]
NOT_PAGES = [str(10**30), str(MAX_PAGE + 1), "9" * 5000, "-1", "0", "abc", "1.5", "%C2%B3", "%00"]
ID_ROUTES = [
    "/n/{}",
    "/console/notices/{}",
    "/console/notices/{}/delivery",
    "/console/notices/{}/edit",
    "/console/translations/{}",
    "/console/incoming/{}",
    "/console/incoming/{}/raw",
    "/console/incoming/rules/{}/edit",
]
LISTS = ["/console/", "/console/translations", "/console/cases", "/console/audit", "/console/incoming"]


@pytest.fixture
def app(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    with services.session_factory.begin() as session:
        create_officer(session, "ad-wu", "admin", password=PASSWORDS["ad-wu"])
        saved_notice(session, services.composer)
        incoming_alert(session)
    services.seed_ingest_rules()
    application = create_app(services.settings, services, resume_webhook_events=False)
    yield application
    application.extensions["civicast.webhook_executor"].shutdown(wait=True)
    services.close()


@pytest.fixture
def admin(app):
    return Officer(app, "ad-wu")


def test_ids_the_database_cannot_hold_are_not_found_on_every_route(app, admin):
    for route in ID_ROUTES:
        assert admin.get(route.format(1)).status_code in (200, 302), route  # the route itself works
        for value in NOT_IDS:
            response = admin.get(route.format(value))
            assert response.status_code == 404, (route, value[:20])
            html = response.get_data(as_text=True)
            assert "Traceback" not in html and "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert app.test_client().get(f"/api/v1/notices/{10**30}").status_code == 404


def test_case_numbers_that_name_no_case_are_not_found(app, admin):
    number = add_case(app.extensions["civicast"])
    assert admin.get(f"/console/cases/{number}").status_code == 200
    for value in (f"KH-2026-{10**30}", "9" * 5000, "KH-2026-%00", "-1", "%E2%80%AE"):
        assert admin.get(f"/console/cases/{value}").status_code == 404, value[:20]
        assert admin.post(f"/console/cases/{value}/note", {"note": "x"}).status_code == 404, value[:20]


def test_page_numbers_that_are_not_pages_are_not_found_on_every_console_list(admin):
    for route in LISTS:
        for good in ("", "1", "2", str(MAX_PAGE)):  # past the end is an empty page (or the last one), not an error
            assert admin.get(f"{route}?page={good}").status_code == 200, (route, good)
        for value in NOT_PAGES:
            response = admin.get(f"{route}?page={value}")
            if value == "%00":  # refused at the console's door, before any page is looked for
                assert response.status_code == 400 and "U+0000" in response.get_data(as_text=True), route
                continue
            assert response.status_code == 404, (route, value[:20])
            assert "There is no such" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("value", "page"),
    [
        (None, 1),
        ("", 1),
        ("1", 1),
        ("007", 7),
        (str(MAX_PAGE), MAX_PAGE),
        (str(MAX_PAGE + 1), None),
        ("0", None),
        ("-3", None),
        ("٣", None),
        ("³", None),
        (" 2", None),
        ("2 ", None),
        ("+2", None),
    ],
)
def test_a_page_number_is_plain_digits_within_bounds(value, page):
    assert page_number(value) == page


def test_a_wrong_method_gets_a_page_with_its_landmarks_its_status_and_its_allow_header(app):
    response = app.test_client().get("/console/logout")  # a form's address, which only takes POST
    html = response.get_data(as_text=True)
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert response.mimetype == "text/html" and '<html lang="en">' in html
    assert "<main><h1>Method Not Allowed</h1>" in html and "Traceback" not in html
