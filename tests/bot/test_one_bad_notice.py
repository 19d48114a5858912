"""One notice that cannot be composed or rendered never breaks a feed or a page: it is logged and left out,
the others are served, and its own page or document is a clean error in the site's layout."""

from __future__ import annotations

import json
import logging
import re

import feedparser
import lxml.html
import pytest
from sqlalchemy import update

from bot.app import create_app
from bot.office.accounts import create_officer
from bot.office.services import Services
from bot.settings import load_settings
from messages.models import Notice
from tests.conftest import CHEAP_HASHER
from tests.support.factories import saved_notice

PASSWORD = "editor-password-2026"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PARAMS = {"typhoon_name": "山陀兒|Krathon", "intensity": "severe", "districts": ["all"], "landfall": "2024-10-03T12:00"}
EVERYWHERE = frozenset({"atom", "cap", "crawl zh-Hant", "crawl en", "page zh-Hant", "page en", "preview"})
# Ways a stored notice stops fitting, and where it then cannot be shown: its kind was withdrawn, a glossary
# key it names is gone, or it holds text civicast refuses (stored before the check at the door, or around it):
# a control character, a lone surrogate. Each is shown nowhere rather than half-way.
BREAKAGES = {
    "withdrawn kind": ({"kind": "withdrawn_kind"}, EVERYWHERE, "unknown notice kind 'withdrawn_kind'"),
    "unknown district": (
        {"params": {**PARAMS, "districts": ["atlantis"]}},
        EVERYWHERE,
        "'atlantis' is not a known district",
    ),
    "control character": (
        {"params": {**PARAMS, "typhoon_name": "山陀\x01兒|Krathon"}},
        EVERYWHERE,
        "control character (U+0001)",
    ),
    "lone surrogate": ({"params": {**PARAMS, "typhoon_name": "\udcb0\udca5|Krathon"}}, EVERYWHERE, "which is not text"),
}


@pytest.fixture
def app(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    with services.session_factory.begin() as session:
        create_officer(session, "ed-lin", "editor", password=PASSWORD)
    application = create_app(services.settings, services, resume_webhook_events=False, password_hasher=CHEAP_HASHER)
    application.config["SERVER_NAME"] = "notices.example.tw"
    yield application
    application.extensions["civicast.webhook_executor"].shutdown(wait=True)
    services.close()


@pytest.fixture(params=list(BREAKAGES))
def on_air(request, app):
    """Two good live notices and one broken the given way, all on air."""
    changes, breaks, reason = BREAKAGES[request.param]
    services = app.extensions["civicast"]
    with services.session_factory.begin() as session:
        good = [
            saved_notice(session, services.composer, "heavy_rain", severity="Moderate"),
            saved_notice(session, services.composer, "evacuation_order"),
        ]
        broken = saved_notice(session, services.composer, "typhoon_land_warning")
        session.execute(update(Notice).where(Notice.id == broken.id).values(**changes))
        return OnAir(
            good=[(n.id, n.identifier) for n in good],
            broken=(broken.id, broken.identifier),
            breaks=frozenset(breaks),
            reason=reason,
        )


class OnAir:
    def __init__(self, *, good, broken, breaks, reason):
        self.good, self.broken, self.breaks, self.reason = good, broken, breaks, reason

    def identifiers(self, surface: str) -> list[str]:
        """The identifiers a surface must show: the good notices, and the broken one where it still renders."""
        shown = [identifier for _id, identifier in self.good]
        return sorted(shown if surface in self.breaks else [*shown, self.broken[1]])

    def ids(self, surface: str) -> set[int]:
        shown = {notice_id for notice_id, _identifier in self.good}
        return shown if surface in self.breaks else shown | {self.broken[0]}


def english(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def logged_about(caplog, notice_id: int) -> bool:
    named = re.compile(rf"\bnotice {notice_id}\b")
    return any(record.levelno >= logging.ERROR and named.search(record.getMessage()) for record in caplog.records)


def test_every_feed_serves_the_good_notices_and_logs_the_broken_one(app, on_air, caplog):
    client = english(app)
    broken_id, broken_identifier = on_air.broken

    atom = client.get("/feeds/cap.atom")
    assert atom.status_code == 200 and not feedparser.parse(atom.data).bozo
    ids = sorted(entry.id.removeprefix("urn:civicast:") for entry in feedparser.parse(atom.data).entries)
    assert ids == on_air.identifiers("atom")
    # A body missing a notice gets no ETag: once the notice can be shown again, the next poll gets it.
    assert "ETag" not in atom.headers and "no-cache" in atom.headers["Cache-Control"]

    for lang in ("zh-Hant", "en"):
        crawl = client.get(f"/feeds/cable/{lang}.json")
        assert crawl.status_code == 200
        shown = sorted(item["identifier"] for item in json.loads(crawl.data)["items"])
        assert shown == on_air.identifiers(f"crawl {lang}"), lang
        text = client.get(f"/feeds/cable/{lang}.txt")
        assert text.status_code == 200 and len(text.get_data(as_text=True).splitlines()) == len(shown)
        assert ("ETag" in text.headers) == (f"crawl {lang}" not in on_air.breaks)

    for _id, identifier in on_air.good:
        assert client.get(f"/feeds/cap/{identifier}.xml").status_code == 200
    document = client.get(f"/feeds/cap/{broken_identifier}.xml")
    assert document.status_code == 503 and document.mimetype == "text/html"
    assert "This page cannot be shown right now" in document.get_data(as_text=True)
    assert "Traceback" not in document.get_data(as_text=True)
    assert logged_about(caplog, broken_id)


def test_the_public_list_shows_the_good_notices_and_the_broken_one_s_page_is_a_clean_error(app, on_air, caplog):
    client = english(app)
    broken_id, _identifier = on_air.broken
    for lang in ("zh-Hant", "en"):
        listing = client.get(f"/notices?lang={lang}")
        assert listing.status_code == 200
        tree = lxml.html.fromstring(listing.get_data(as_text=True))
        linked = {int(href.split("?")[0].rsplit("/", 1)[1]) for href in tree.xpath("//li[@class='card']//h2/a/@href")}
        assert linked == on_air.ids(f"page {lang}"), lang
        assert ("ETag" in listing.headers) == (f"page {lang}" not in on_air.breaks)

        page = client.get(f"/n/{broken_id}?lang={lang}")
        if f"page {lang}" not in on_air.breaks:
            assert page.status_code == 200
            continue
        assert page.status_code == 503
        tree = lxml.html.fromstring(page.get_data(as_text=True))
        title = {"zh-Hant": "目前無法顯示此頁面", "en": "This page cannot be shown right now"}[lang]
        assert tree.xpath("//h1")[0].text_content() == title
        assert tree.xpath("//ul[@class='hotlines']/li"), "the site's own layout, with the help lines"
    assert client.get(f"/n/{on_air.good[0][0]}?lang=zh-Hant").status_code == 200
    assert logged_about(caplog, broken_id) == any(surface.startswith("page") for surface in on_air.breaks)


def test_the_console_lists_every_notice_and_shows_the_broken_one_with_an_error_box(app, on_air, caplog):
    client = english(app)
    token = TOKEN.search(client.get("/console/login").get_data(as_text=True)).group(1)
    assert (
        client.post(
            "/console/login", data={"username": "ed-lin", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    broken_id, _identifier = on_air.broken
    listing = client.get("/console/")
    assert listing.status_code == 200
    listed = lxml.html.fromstring(listing.get_data(as_text=True)).xpath("//table//td[1]/a/text()")
    assert sorted(listed) == sorted(f"#{n}" for n in [broken_id, *(i for i, _ in on_air.good)])

    page = client.get(f"/console/notices/{broken_id}")
    assert page.status_code == 200 and "preview" in on_air.breaks
    tree = lxml.html.fromstring(page.get_data(as_text=True))
    assert not tree.xpath("//*[@id='preview-grid']")
    box = " ".join(tree.xpath("//p[@id='preview-error']")[0].text_content().split())
    assert box.startswith("The preview cannot be built") and on_air.reason in box
    assert f"(notice {broken_id})" in box and logged_about(caplog, broken_id)
    good = client.get(f"/console/notices/{on_air.good[0][0]}")
    assert good.status_code == 200 and 'id="preview-grid"' in good.get_data(as_text=True)


def test_a_broken_notice_is_logged_once_not_at_every_poll_or_visit(app, on_air, caplog):
    client = english(app)
    broken_id, _identifier = on_air.broken
    for _ in range(3):
        assert client.get("/feeds/cap.atom").status_code == 200
        assert client.get("/feeds/cable/zh-Hant.json").status_code == 200
        assert client.get("/notices?lang=zh-Hant").status_code == 200
    named = re.compile(rf"\bnotice {broken_id}\b")
    errors = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR and named.search(record.getMessage())
    ]
    assert errors and len(errors) == len(set(errors)), errors  # each place once, with its traceback
