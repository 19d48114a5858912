"""The feeds as operators poll them: Atom and CAP that validate, crawls in every language, 304 when unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from bot.app import create_app
from bot.office.services import Services
from bot.settings import load_settings
from messages.cap import validate_cap
from messages.cap_read import read_cap
from messages.models import MsgType, NoticeStatus
from tests.support.factories import saved_notice

NOW = datetime.now(UTC)


@pytest.fixture
def app(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    application = create_app(services.settings, services)
    application.config["SERVER_NAME"] = "notices.example.tw"
    yield application
    services.close()


@pytest.fixture
def on_air(app):
    """Two live notices on air, plus ones that must not appear: expired, cancelled, training, a draft."""
    services = app.extensions["civicast"]
    with services.session_factory.begin() as session:
        composer = services.composer
        live = [
            saved_notice(session, composer, "heavy_rain", severity="Moderate"),
            saved_notice(session, composer, "evacuation_order"),
        ]
        hidden = [
            saved_notice(session, composer, "water_outage", expires=NOW - timedelta(minutes=1)),
            saved_notice(session, composer, "ferry_suspension", status=NoticeStatus.CANCELLED),
            saved_notice(session, composer, "road_closure", training=True),
            saved_notice(session, composer, "power_outage", status=NoticeStatus.DRAFT),
            saved_notice(session, composer, "mrt_disruption", msg_type=MsgType.CANCEL),
        ]
        return [n.identifier for n in live], [n.identifier for n in hidden]


def test_atom_index_links_valid_cap_for_active_notices_only(app, on_air):
    live, hidden = on_air
    client = app.test_client()
    response = client.get("/feeds/cap.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo
    links = [link.href for item in feed.entries for link in item.links if link.type == "application/cap+xml"]
    assert len(links) == 2
    for href in links:
        document = client.get(href.replace("http://notices.example.tw", ""))
        assert document.status_code == 200 and document.mimetype == "application/cap+xml"
        assert validate_cap(document.data) == []
        alert = read_cap(document.data)
        assert alert.identifier in live and len(alert.infos) == 12
    assert not any(identifier in response.data.decode() for identifier in hidden)


def test_training_and_unknown_alerts_are_not_published(app, on_air):
    live, hidden = on_air
    client = app.test_client()
    assert client.get(f"/feeds/cap/{hidden[2]}.xml").status_code == 404  # training
    assert client.get("/feeds/cap/civicast-nothing.xml").status_code == 404


def test_repeat_poll_with_the_etag_gets_304(app, on_air):
    client = app.test_client()
    first = client.get("/feeds/cable/en.txt")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.headers["Last-Modified"]
    again = client.get("/feeds/cable/en.txt", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/feeds/cable/en.txt", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    atom = client.get("/feeds/cap.atom")
    assert client.get("/feeds/cap.atom", headers={"If-None-Match": atom.headers["ETag"]}).status_code == 304


def test_a_change_on_air_changes_the_etag(app, on_air):
    client = app.test_client()
    etag = client.get("/feeds/cable/en.json").headers["ETag"]
    services = app.extensions["civicast"]
    with services.session_factory.begin() as session:
        saved_notice(session, services.composer, "tsunami_warning")
    changed = client.get("/feeds/cable/en.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and len(changed.json["items"]) == 3
    assert changed.json["items"][0]["kind"] == "tsunami_warning"  # Extreme and newest: first


def test_crawl_in_each_language_most_severe_first(app, on_air):
    client = app.test_client()
    lines = client.get("/feeds/cable/vi.txt").data.decode().splitlines()
    assert len(lines) == 2 and all(len(line) <= 120 for line in lines)
    data = client.get("/feeds/cable/th.json").json
    assert data["language"] == "th" and [i["kind"] for i in data["items"]] == ["evacuation_order", "heavy_rain"]
    assert client.get("/feeds/cable/xx.txt").status_code == 404
