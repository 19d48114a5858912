"""Headers on every response of the web application, whichever part answers and however: pages, feeds, the
API, webhooks, static files and error pages; each part's error pages in its own layout."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.app import create_app
from bot.database import upgrade_database
from bot.office.accounts import create_officer
from bot.office.api_keys import create_api_key
from bot.office.services import Services
from bot.settings import load_settings
from bot.web_security import CONSOLE_CSP, DATA_CSP, PUBLIC_CSP, SitePart, site_part
from messages.models import Notice
from tests.conftest import CHEAP_HASHER
from tests.support.factories import saved_notice

PASSWORD = "editor-password-2026"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CSP_BY_PART = {
    SitePart.CONSOLE: CONSOLE_CSP,
    SitePart.PUBLIC: PUBLIC_CSP,
    SitePart.API: DATA_CSP,
    SitePart.FEEDS: DATA_CSP,
    SitePart.WEBHOOKS: DATA_CSP,
}
# Pages that fail as no handler expected: a fault in a view, reached through each part of the site.
FAILING = {
    "/console/failing": SitePart.CONSOLE,
    "/failing": SitePart.PUBLIC,
    "/feeds/failing": SitePart.FEEDS,
    "/api/v1/failing": SitePart.API,
    "/webhooks/failing": SitePart.WEBHOOKS,
}


class World:
    def __init__(self, tmp_path: Path, database_url: str, *, public_base_url: str = "http://127.0.0.1:8000"):
        self.database_path = tmp_path / "civicast.db"
        config = tmp_path / "config.yaml"
        config.write_text(
            f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
            f"public_base_url: {public_base_url}\nconsole:\n  secure_cookies: false\n",
            encoding="utf-8",
        )
        self.services = Services(load_settings(config, environ={}))
        upgrade_database(self.services.engine)
        with self.services.session_factory.begin() as session:
            create_officer(session, "ed-lin", "editor", password=PASSWORD)
            self.notice_id = saved_notice(session, self.services.composer).id
            withdrawn = saved_notice(session, self.services.composer, "heavy_rain")
            session.execute(update(Notice).where(Notice.id == withdrawn.id).values(kind="withdrawn_kind"))
            self.withdrawn_id = withdrawn.id
            _key, self.api_key = create_api_key(session, "ed-lin", name="newsroom", mode="live")
        self.app = create_app(
            self.services.settings, self.services, resume_webhook_events=False, password_hasher=CHEAP_HASHER
        )
        for path in FAILING:  # faults injected as routes of their own, before the first request
            self.app.add_url_rule(path, endpoint=path, view_func=self._fail)

    @staticmethod
    def _fail():
        raise RuntimeError("a fault nobody expected")

    def client(self, *, signed_in: bool = False):
        client = self.app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if signed_in:
            token = TOKEN.search(client.get("/console/login").get_data(as_text=True)).group(1)
            response = client.post(
                "/console/login", data={"username": "ed-lin", "password": PASSWORD, "csrf_token": token}
            )
            assert response.status_code == 302
        return client

    def close(self):
        self.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
        self.services.close()


@pytest.fixture
def world(tmp_path, database_url, engine):
    built = World(tmp_path, database_url)
    yield built
    built.close()


def assert_protected(response, part: SitePart, *, https: bool = False) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP_BY_PART[part]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"]
    assert ("Strict-Transport-Security" in headers) == https


def test_every_part_of_the_site_sends_its_headers_on_pages_documents_and_static_files(world):
    client, signed_in = world.client(), world.client(signed_in=True)
    bearer = {"Authorization": f"Bearer {world.api_key}"}
    answers = [
        (client.get("/notices"), SitePart.PUBLIC, 200),
        (client.get(f"/n/{world.notice_id}"), SitePart.PUBLIC, 200),
        (client.get("/public/static/public.css"), SitePart.PUBLIC, 200),
        (client.get("/healthz"), SitePart.PUBLIC, 200),
        (client.get("/feeds/cap.atom"), SitePart.FEEDS, 200),
        (client.get("/feeds/cable/en.json"), SitePart.FEEDS, 200),
        (client.get("/console/login"), SitePart.CONSOLE, 200),
        (signed_in.get("/console/"), SitePart.CONSOLE, 200),
        (client.get("/console/static/console.js"), SitePart.CONSOLE, 200),
        (client.get("/api/v1/kinds", headers=bearer), SitePart.API, 200),
        (client.get("/api/v1/notices", headers=bearer), SitePart.API, 200),
        (client.get("/api/v1/notices"), SitePart.API, 401),
        (client.get("/api/v1/openapi.json"), SitePart.API, 200),
        (
            client.post("/webhooks/line", data=b'{"events": []}', headers={"X-Line-Signature": "forged"}),
            SitePart.WEBHOOKS,
            400,
        ),
    ]
    for response, part, status in answers:
        assert response.status_code == status, response.request.path
        assert_protected(response, part)
    for response, part, _status in answers:
        no_store = response.headers.get("Cache-Control") == "no-store"
        path = response.request.path
        if part is SitePart.API:  # drafts and cases: nobody keeps a copy; the OpenAPI document may be cached
            assert no_store == (path != "/api/v1/openapi.json"), path
        if part is SitePart.CONSOLE and not path.startswith("/console/static/"):
            assert no_store, path


def test_not_found_in_each_part_is_that_part_s_own_answer_with_its_headers(world):
    client, signed_in = world.client(), world.client(signed_in=True)
    public = client.get("/no-such-page")
    assert public.status_code == 404 and "Notice not found" in public.get_data(as_text=True)
    assert_protected(public, SitePart.PUBLIC)
    feed = client.get("/feeds/cable/xx.txt")
    assert feed.status_code == 404 and "Notice not found" in feed.get_data(as_text=True)
    assert_protected(feed, SitePart.FEEDS)
    console = signed_in.get("/console/no-such-page")
    assert console.status_code == 404 and "Signed in as ed-lin" in console.get_data(as_text=True)
    assert_protected(console, SitePart.CONSOLE)
    webhook = client.post("/webhooks/no-such-platform", data=b"{}")
    assert webhook.status_code == 404
    assert_protected(webhook, SitePart.WEBHOOKS)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    assert_protected(api, SitePart.API)
    assert api.headers["Cache-Control"] == "no-store"


def test_a_fault_in_each_part_is_logged_and_answered_in_that_part_s_own_layout(world, caplog):
    client = world.client(signed_in=True)
    for path, part in FAILING.items():
        caplog.clear()
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 500, path
        assert_protected(response, part)
        assert "Traceback" not in body and "a fault nobody expected" not in body
        logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
        assert logged and "a fault nobody expected" in str(logged[0].exc_info[1]), path
        if part is SitePart.API:
            assert response.mimetype == "application/problem+json" and response.json["status"] == 500
        elif part is SitePart.CONSOLE:
            assert "This page could not be shown" in body and "for authorised officers only" in body
        else:
            assert "This page cannot be shown right now" in body and 'class="hotlines"' in body
            assert response.headers["Cache-Control"] == "no-store"

    # Editing a notice whose kind was withdrawn after it was stored: there is no form for it, in the console's
    # own layout and with its headers.
    edit = client.get(f"/console/notices/{world.withdrawn_id}/edit")
    body = edit.get_data(as_text=True)
    assert edit.status_code == 404 and "Signed in as ed-lin" in body
    assert_protected(edit, SitePart.CONSOLE)


def test_a_database_that_does_not_answer_is_503_in_each_part_s_layout(tmp_path):
    world = World(tmp_path, f"sqlite:///{tmp_path / 'civicast.db'}")
    try:
        client = world.client()
        token = TOKEN.search(client.get("/console/login").get_data(as_text=True)).group(1)
        world.services.engine.dispose()
        os.remove(world.database_path)
        os.mkdir(world.database_path)  # where the database was, a directory: no connection can open it
        for part, response, words in (
            (SitePart.PUBLIC, client.get("/notices"), "This page cannot be shown right now"),
            (
                SitePart.CONSOLE,
                client.post("/console/login", data={"username": "ed-lin", "password": PASSWORD, "csrf_token": token}),
                "The database is not answering",
            ),
        ):
            assert response.status_code == 503 and words in response.get_data(as_text=True), part
            assert response.headers["Retry-After"]
            assert_protected(response, part)
    finally:
        world.close()


def test_hsts_only_when_the_public_address_is_https(tmp_path):
    world = World(tmp_path, f"sqlite:///{tmp_path / 'civicast.db'}", public_base_url="https://notices.example.tw")
    try:
        client = world.client()
        for path, part in (
            ("/notices", SitePart.PUBLIC),
            ("/feeds/cap.atom", SitePart.FEEDS),
            ("/console/login", SitePart.CONSOLE),
            ("/api/v1/openapi.json", SitePart.API),
            ("/no-such-page", SitePart.PUBLIC),
            ("/failing", SitePart.PUBLIC),
        ):
            response = client.get(path)
            assert_protected(response, part, https=True)
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        world.close()


@pytest.mark.parametrize(
    ("path", "part"),
    [
        ("/console", SitePart.CONSOLE),
        ("/console/notices/1", SitePart.CONSOLE),
        ("/consoles", SitePart.PUBLIC),
        ("/api/v1/kinds", SitePart.API),
        ("/apiary", SitePart.PUBLIC),
        ("/feeds/cap.atom", SitePart.FEEDS),
        ("/webhooks/line", SitePart.WEBHOOKS),
        ("/n/1", SitePart.PUBLIC),
        ("/", SitePart.PUBLIC),
    ],
)
def test_each_address_belongs_to_one_part(path, part):
    assert site_part(path) is part
