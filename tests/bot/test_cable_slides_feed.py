"""Cable-TV slides as operators poll them: slides.json with its ETag, stable PNG URLs, ?districts= subscriptions,
and a slide that cannot be drawn answered as an error page, not a traceback."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.app import create_app
from bot.office.services import Services
from bot.public.cable_slides import SlideService
from bot.settings import load_settings
from channels.cable_slides import Slide, render_slide
from channels.fonts import FontMissing
from messages.localised import LocalisedNotice
from messages.models import Notice
from tests.support.factories import saved_notice


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
    """Rain in six mountain districts, an evacuation of Taoyuan and Namasia (Indigenous districts), a road closure
    in Lingya."""
    services = app.extensions["civicast"]
    with services.session_factory.begin() as session:
        composer = services.composer
        notices = [
            saved_notice(session, composer, "heavy_rain", severity="Moderate"),
            saved_notice(session, composer, "evacuation_order"),
            saved_notice(session, composer, "road_closure"),
        ]
        return {n.kind: n.identifier for n in notices}


def identifiers(document: dict) -> set[str]:
    return {item["identifier"] for item in document.get("items", document.get("slides", []))}


def test_slides_json_lists_each_notice_with_stable_image_urls_and_answers_304(app, on_air):
    client = app.test_client()
    first = client.get("/feeds/cable/th/slides.json")
    assert first.status_code == 200 and first.mimetype == "application/json"
    document = first.get_json()
    assert identifiers(document) == set(on_air.values())
    assert document["slides"][0]["severity"] == "Extreme"  # most severe first, as the crawl
    again = client.get("/feeds/cable/th/slides.json")
    assert [s["images"] for s in again.get_json()["slides"]] == [s["images"] for s in document["slides"]]
    unchanged = client.get("/feeds/cable/th/slides.json", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304
    for slide in document["slides"]:
        assert set(slide["images"]) == {"1920x1080", "1280x720"}
        url = slide["images"]["1280x720"].replace("http://notices.example.tw", "")
        assert url == f"/feeds/cable/th/slides/{slide['notice_id']}-{slide['version']}-1280.png"
    png = client.get(document["slides"][0]["images"]["1280x720"].replace("http://notices.example.tw", ""))
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.cache_control.max_age == 365 * 24 * 3600 and png.cache_control.immutable
    assert Image.open(io.BytesIO(png.data)).size == (1280, 720)


def test_an_edited_notice_gets_a_new_image_url_and_the_old_one_is_gone(app, on_air):
    client = app.test_client()
    before = client.get("/feeds/cable/en/slides.json").get_json()["slides"][0]
    services = app.extensions["civicast"]
    with services.session_factory.begin() as session:
        notice = session.get(Notice, before["notice_id"])
        notice.updated_at = datetime.now(UTC) + timedelta(seconds=1)
    after = client.get("/feeds/cable/en/slides.json").get_json()["slides"][0]
    assert after["notice_id"] == before["notice_id"] and after["version"] != before["version"]
    old = before["images"]["1280x720"].replace("http://notices.example.tw", "")
    assert client.get(old).status_code == 404
    assert client.get("/feeds/cable/en/slides/999-1-1280.png").status_code == 404
    assert client.get(old.replace("-1280.png", "-800.png")).status_code == 404


@pytest.mark.parametrize("path", ["/feeds/cable/zh-Hant.json", "/feeds/cable/zh-Hant/slides.json"])
def test_an_operator_subscribes_to_districts(app, on_air, path):
    client = app.test_client()
    indigenous = client.get(f"{path}?districts=taoyuan,maolin")
    assert indigenous.status_code == 200
    # The evacuation of Taoyuan and the rain in the mountains; not Lingya's road closure.
    assert identifiers(indigenous.get_json()) == {on_air["evacuation_order"], on_air["heavy_rain"]}
    everything = client.get(path)
    assert identifiers(everything.get_json()) == set(on_air.values())
    assert indigenous.headers["ETag"] != everything.headers["ETag"]
    cached = client.get(f"{path}?districts=maolin,taoyuan", headers={"If-None-Match": indigenous.headers["ETag"]})
    assert cached.status_code == 304  # the same subscription in another order


def test_the_text_crawl_is_filtered_by_district_too(app, on_air):
    client = app.test_client()
    everything = client.get("/feeds/cable/en.txt").get_data(as_text=True)
    lingya = client.get("/feeds/cable/en.txt?districts=lingya").get_data(as_text=True)
    namasia = client.get("/feeds/cable/en.txt?districts=namasia").get_data(as_text=True)
    assert lingya.splitlines() == [line for line in everything.splitlines() if "Lingya" in line]
    assert len(namasia.splitlines()) == 2 and "Namasia" in namasia and "Lingya" not in namasia


@pytest.mark.parametrize("path", ["/feeds/cable/en.txt", "/feeds/cable/en.json", "/feeds/cable/en/slides.json"])
def test_an_unknown_district_is_refused_by_name(app, on_air, path):
    response = app.test_client().get(f"{path}?districts=taoyuan,atlantis")
    assert response.status_code == 400
    assert "atlantis" in response.get_data(as_text=True)


def test_a_slide_that_cannot_be_drawn_is_a_clean_503_and_the_others_are_served(app, on_air, caplog):
    feeds = app.extensions["civicast.feeds"]
    evacuation = on_air["evacuation_order"]

    def draw_all_but_the_evacuation(notice: LocalisedNotice, width: int) -> Slide:
        if notice.identifier == evacuation:
            raise FontMissing("font 'Noto Sans Thai' is not installed")
        return render_slide(notice, width)

    app.extensions["civicast.slides"] = SlideService(feeds, render=draw_all_but_the_evacuation)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    listing = client.get("/feeds/cable/th/slides.json")
    assert listing.status_code == 200 and identifiers(listing.get_json()) == set(on_air.values())
    urls = {
        slide["identifier"]: slide["images"]["1280x720"].replace("http://notices.example.tw", "")
        for slide in listing.get_json()["slides"]
    }
    for _ in range(2):
        broken = client.get(urls[evacuation])
        assert broken.status_code == 503 and broken.mimetype == "text/html"
        assert "This page cannot be shown right now" in broken.get_data(as_text=True)
        assert "Traceback" not in broken.get_data(as_text=True)
        assert broken.headers["Retry-After"] == "30" and broken.cache_control.no_store  # never cached as the slide
    for identifier, url in urls.items():
        if identifier != evacuation:
            assert client.get(url).status_code == 200, identifier
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and evacuation in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None  # once, with why, though asked for twice
