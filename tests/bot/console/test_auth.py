"""The console's session: CSRF on every form, the session cookie, signing out, who sees what. Sign-in's throttle
and limits are in ``test_sign_in``."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.app import create_app
from bot.office import drafts
from bot.office.accounts import Actor, create_officer
from bot.office.audit import entries
from bot.office.models import Role
from bot.office.services import Services
from bot.settings import load_settings
from messages.models import Notice, NoticeStatus
from tests.bot.office.conftest import add_residents

NOW = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)
PASSWORDS = {"ed-lin": "editor-password-2026", "ap-chen": "approver-password-2026", "ad-wu": "admin-password-2026"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    with services.session_factory.begin() as session:
        create_officer(session, "ed-lin", "editor", password=PASSWORDS["ed-lin"])
        create_officer(session, "ap-chen", "approver", password=PASSWORDS["ap-chen"])
        create_officer(session, "ad-wu", "admin", password=PASSWORDS["ad-wu"])
    application = create_app(services.settings, services, resume_webhook_events=False)
    yield application
    services.close()


def english(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    return client


def token(client, path="/console/login"):
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, username, password=None):
    return client.post(
        "/console/login",
        data={"username": username, "password": password or PASSWORDS[username], "csrf_token": token(client)},
    )


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(app):
    client = english(app)
    response = client.post("/console/login", data={"username": "ed-lin", "password": PASSWORDS["ed-lin"]})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302  # still signed out
    assert sign_in(client, "ed-lin").status_code == 302
    compose = "/console/compose?kind=typhoon_land_warning"
    form = {"p.typhoon_name": "山陀兒|Krathon", "p.intensity": "severe", "p.districts.whole_city": "1"}
    assert client.post(compose, data=form).status_code == 400
    assert client.post(compose, data={**form, "csrf_token": "forged"}).status_code == 400
    with app.extensions["civicast"].session_factory() as session:
        assert session.query(Notice).count() == 0
    assert client.post(compose, data={**form, "csrf_token": token(client, compose)}).status_code == 303


def test_the_session_cookie_is_http_only_and_same_site_and_renewed_at_sign_in(app):
    client = english(app)
    client.get("/console/login")
    before = client.get_cookie("civicast_session").value
    response = sign_in(client, "ed-lin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get_cookie("civicast_session").value != before
    assert response.headers["Location"] == "/console/"


def test_sign_in_never_redirects_off_the_console(app):
    client = english(app)
    data = {"username": "ed-lin", "password": PASSWORDS["ed-lin"], "csrf_token": token(client)}
    response = client.post("/console/login?next=https://evil.example/console", data=data)
    assert response.headers["Location"] == "/console/"


def test_signed_out_visitors_go_to_sign_in_and_roles_limit_pages(app):
    client = english(app)
    response = client.get("/console/notices/1")
    assert response.status_code == 302 and "/console/login?next=/console/notices/1" in response.headers["Location"]
    sign_in(client, "ed-lin")
    assert client.get("/console/officers").status_code == 403


def test_the_author_has_no_approve_button_and_a_forged_approval_is_refused(app):
    services = app.extensions["civicast"]
    add_residents(services, {f"U{n:032x}": [] for n in range(3)})
    author = english(app)
    sign_in(author, "ed-lin")
    compose = "/console/compose?kind=typhoon_land_warning"
    response = author.post(
        compose,
        data={
            "p.typhoon_name": "山陀兒|Krathon",
            "p.intensity": "severe",
            "p.districts.whole_city": "1",
            "csrf_token": token(author, compose),
        },
    )
    page = response.headers["Location"]
    author.post(f"{page}/submit", data={"csrf_token": token(author, page)})
    html = author.get(page).get_data(as_text=True)
    assert 'data-action="approve"' not in html and 'data-action="send"' not in html
    refused = author.post(f"{page}/approve", data={"csrf_token": token(author, page)}, follow_redirects=True)
    assert "Not done: ed-lin is editor: it takes another role to approve a notice." in refused.get_data(as_text=True)
    notice_id = int(page.rsplit("/", 1)[1])
    with services.session_factory() as session:
        assert session.get(Notice, notice_id).status == NoticeStatus.SUBMITTED
    approver = english(app)
    sign_in(approver, "ap-chen")
    assert 'data-action="approve"' in approver.get(page).get_data(as_text=True)


def test_an_unknown_notice_or_address_gets_the_console_s_own_not_found_page(app):
    client = english(app)
    sign_in(client, "ed-lin")
    for address in ("/console/notices/424242", "/console/notices/abc", "/console/no-such-page"):
        response = client.get(address)
        html = response.get_data(as_text=True)
        assert response.status_code == 404 and "There is no such" in html, address
        assert "Signed in as ed-lin" in html and "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def copy_of(app, client):
    """Another browser holding a copy of the client's session cookie (a stolen or forgotten one)."""
    other = english(app)
    other.set_cookie("civicast_session", client.get_cookie("civicast_session").value)
    return other


def test_signing_out_ends_the_session_on_the_server_so_a_copied_cookie_is_useless(app):
    client = english(app)
    sign_in(client, "ed-lin")
    copied = copy_of(app, client)
    assert copied.get("/console/").status_code == 200
    client.post("/console/logout", data={"csrf_token": token(client, "/console/")})
    assert client.get("/console/").status_code == 302
    assert copied.get("/console/").status_code == 302


def test_an_admin_signs_an_officer_out_everywhere_and_a_reset_password_does_too(app):
    editor_at_desk, editor_at_home = english(app), english(app)
    sign_in(editor_at_desk, "ed-lin")
    sign_in(editor_at_home, "ed-lin")
    admin = english(app)
    sign_in(admin, "ad-wu")
    page = admin.get("/console/officers").get_data(as_text=True)
    assert "/console/officers/ed-lin/sign_out" in page and "/console/officers/ad-wu/sign_out" not in page
    done = admin.post(
        "/console/officers/ed-lin/sign_out",
        data={"csrf_token": token(admin, "/console/officers")},
        follow_redirects=True,
    )
    assert "ed-lin is signed out everywhere: 2 sessions ended." in done.get_data(as_text=True)
    assert editor_at_desk.get("/console/").status_code == 302 and editor_at_home.get("/console/").status_code == 302
    with app.extensions["civicast"].session_factory() as session:
        entry = entries(session, action="end_sessions")[0][0]
    assert (entry.actor, entry.subject_id, entry.detail) == ("ad-wu", "ed-lin", {"sessions": 2})

    sign_in(editor_at_desk, "ap-chen")
    assert editor_at_desk.get("/console/").status_code == 200
    admin.post("/console/officers/ap-chen/reset_password", data={"csrf_token": token(admin, "/console/officers")})
    assert editor_at_desk.get("/console/").status_code == 302


def test_a_notice_made_with_a_test_key_says_on_its_page_that_it_stays_in_the_sandbox(app):
    services = app.extensions["civicast"]
    kind = services.kinds.get("typhoon_land_warning")
    with services.session_factory.begin() as session:
        made = [
            drafts.compose_notice(
                session,
                services.composer,
                Actor("ed-lin", Role.EDITOR, via=via, key_mode=mode),
                drafts.NoticeInput(kind.id, dict(kind.example_params)),
                now=NOW,
            ).id
            for via, mode in (("api", "test"), ("console", None))
        ]
    client = english(app)
    sign_in(client, "ed-lin")
    sandboxed, console_made = (client.get(f"/console/notices/{notice_id}").get_data(as_text=True) for notice_id in made)
    assert "Made with a test API key" in sandboxed and "Made with a test API key" not in console_made
