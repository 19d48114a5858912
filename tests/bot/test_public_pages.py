"""The public notice pages as a resident's phone gets them: /n/<id>?lang=… and /notices?lang=…."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest

from bot.app import create_app
from bot.office.services import Services
from bot.public import pages
from bot.settings import load_settings
from channels.presentation import SEVERITY_COLOURS, TRAINING_COLOUR
from messages.i18n import LANGUAGES
from messages.models import MsgType, Notice, NoticeStatus, NoticeTranslation, TranslationOrigin
from tests.support.factories import localised, saved_notice

NOW = datetime.now(UTC)
CSS = Path(pages.__file__).parent / "static" / "public.css"
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
BAND_RULE = re.compile(r"\.(band-[a-z]+) \{ background: (#[0-9A-F]{6}); color: (#[0-9A-F]{6}); \}")


@pytest.fixture
def app(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    application = create_app(services.settings, services, resume_webhook_events=False)
    yield application
    services.close()


@pytest.fixture
def services(app):
    return app.extensions["civicast"]


@pytest.fixture
def client(app):
    return app.test_client()


def add(services, kind_id="typhoon_land_warning", **fields):
    """A notice saved and committed; returns its id."""
    with services.session_factory.begin() as session:
        return saved_notice(session, services.composer, kind_id, **fields).id


def load(services, notice_id):
    with services.session_factory() as session:
        return session.get(Notice, notice_id)


def page(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def band_rules() -> dict[str, tuple[str, str]]:
    """The stylesheet's severity bands: class → (background, text colour)."""
    return {name: (background, text) for name, background, text in BAND_RULE.findall(CSS.read_text())}


def band_background(element) -> str:
    rules = band_rules()
    (name,) = [c for c in element.get("class").split() if c in rules]
    return rules[name][0]


def text_of(tree, xpath):
    return " ".join(" ".join(node.text_content().split()) for node in tree.xpath(xpath))


def test_the_page_is_the_notice_in_the_requested_language(services, client):
    notice_id = add(services, severity="Extreme")
    notice = load(services, notice_id)
    for lang in ("en", "zh-Hant", "th"):
        response = client.get(f"/n/{notice_id}?lang={lang}")
        assert response.status_code == 200 and response.mimetype == "text/html"
        tree = page(response)
        expected = services.composer.compose(notice, lang)
        assert tree.get("lang") == lang and tree.get("dir") == "ltr"
        assert response.headers["Content-Language"] == lang
        assert tree.xpath("//h1")[0].text_content() == expected.headline and len(tree.xpath("//h1")) == 1
        assert expected.instruction in text_of(tree, "//main")
        for paragraph in filter(None, expected.body.split("\n")):
            assert paragraph in text_of(tree, "//main//div[@class='body']")
        facts = text_of(tree, "//dl[@class='facts']")
        assert expected.areas_text in facts and expected.agency in facts and expected.effective_text in facts
        band = tree.xpath("//p[contains(@class,'band')]")[0]
        assert expected.severity_label in band.text_content()
        assert band_background(band) == SEVERITY_COLOURS[expected.severity] and band.get("style") is None
        assert tree.xpath("//title")[0].text_content().startswith(expected.headline)
    english = page(client.get(f"/n/{notice_id}?lang=en"))
    assert text_of(english, "//main//dt") == "Areas Effective Issued Source"
    assert "Kaohsiung City Government" in text_of(english, "//header")


def test_every_language_is_one_link_away(services, client):
    notice_id = add(services)
    tree = page(client.get(f"/n/{notice_id}?lang=ko"))
    nav = tree.xpath("//nav[@aria-label]")
    assert len(nav) == 1 and nav[0].get("aria-label") == "언어"
    links = nav[0].xpath(".//a")
    assert [a.get("lang") for a in links] == list(LANGUAGES)
    for link in links:
        code = link.get("lang")
        assert link.text_content() == LANGUAGES[code].native_name
        assert link.get("hreflang") == code and link.get("href") == f"/n/{notice_id}?lang={code}"
    assert [a.get("lang") for a in links if a.get("aria-current") == "true"] == ["ko"]
    alternates = {ln.get("hreflang"): ln.get("href") for ln in tree.xpath("//link[@rel='alternate']")}
    assert set(alternates) == {*LANGUAGES, "x-default"}
    assert alternates["th"] == f"http://127.0.0.1:8000/n/{notice_id}?lang=th"
    # Landmarks and the skip link.
    assert tree.xpath("//header") and tree.xpath("//footer") and tree.xpath("//main[@id='main']")
    skip = tree.xpath("//body/a[1]")[0]
    assert skip.get("href") == "#main" and skip.text_content() == "본문 바로가기"


def test_only_notices_that_went_out_are_public(services, client):
    hidden = [
        add(services, status=status)
        for status in (NoticeStatus.DRAFT, NoticeStatus.SUBMITTED, NoticeStatus.APPROVED, NoticeStatus.SCHEDULED)
    ]
    with services.session_factory.begin() as session:  # cancelled before it was ever sent
        unsent = saved_notice(session, services.composer, status=NoticeStatus.CANCELLED)
        unsent.sent_at = None
        hidden.append(unsent.id)
    for notice_id in [*hidden, 999_999]:
        response = client.get(f"/n/{notice_id}?lang=vi")
        assert response.status_code == 404, notice_id
        tree = page(response)
        assert tree.get("lang") == "vi" and tree.xpath("//h1")[0].text_content() == "Không tìm thấy thông báo"
        assert "no-cache" in response.headers["Cache-Control"]
    assert page(client.get(f"/n/{hidden[0]}?lang=zh-Hant")).xpath("//h1")[0].text_content() == "找不到這則通知"


def test_a_mangled_address_gets_the_residents_not_found_page_in_their_language(client):
    for address in ("/n/12x?lang=th", "/n/?lang=th", "/no-such-page?lang=th"):
        response = client.get(address)
        assert response.status_code == 404 and response.headers["Content-Language"] == "th", address
        tree = page(response)
        assert tree.get("lang") == "th" and tree.xpath("//a[@href='/notices?lang=th']"), address
    negotiated = client.get("/n/abc", headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert page(negotiated).xpath("//h1")[0].text_content() == "Không tìm thấy thông báo"


def test_a_training_notice_says_test_in_every_language(services, client):
    notice_id = add(services, training=True)
    for lang, banner in (("en", "This is a test notice."), ("ja", "これはテスト用のお知らせです。")):
        tree = page(client.get(f"/n/{notice_id}?lang={lang}"))
        text = text_of(tree, "//p[@class='test-banner']")
        assert "TEST / 測試" in text and banner in text
        assert tree.xpath("//meta[@name='robots']/@content") == ["noindex"]
        band = tree.xpath("//p[contains(@class,'band')]")[0]
        assert band_background(band) == TRAINING_COLOUR
    live = page(client.get(f"/n/{add(services)}?lang=en"))
    assert not live.xpath("//p[@class='test-banner']") and not live.xpath("//meta[@name='robots']")


def test_status_lines_and_the_links_between_an_update_and_what_it_replaced(services, client):
    original = add(services, status=NoticeStatus.SUPERSEDED)
    update = add(services, msg_type=MsgType.UPDATE)
    with services.session_factory.begin() as session:
        session.get(Notice, update).references_id = original
    old = page(client.get(f"/n/{original}?lang=en"))
    assert text_of(old, "//p[contains(@class,'status')]") == "This notice was replaced by an update. Read the update"
    assert old.xpath("//p[contains(@class,'status')]/a/@href") == [f"/n/{update}?lang=en"]
    new = page(client.get(f"/n/{update}?lang=en"))
    assert not new.xpath("//p[contains(@class,'status')]")
    assert new.xpath("//h1")[0].text_content().startswith("[UPDATE]")
    assert text_of(new, "//p[@class='references']") == "Replaces an earlier notice. Read the earlier notice"
    assert new.xpath("//p[@class='references']/a/@href") == [f"/n/{original}?lang=en"]

    cancelled = add(services, status=NoticeStatus.CANCELLED)
    assert text_of(page(client.get(f"/n/{cancelled}?lang=en")), "//p[contains(@class,'status')]") == (
        "This notice was cancelled."
    )
    assert text_of(page(client.get(f"/n/{cancelled}?lang=zh-Hant")), "//p[contains(@class,'status')]") == (
        "本通知已取消。"
    )
    expired = add(services, expires=NOW - timedelta(minutes=1))
    assert text_of(page(client.get(f"/n/{expired}?lang=en")), "//p[contains(@class,'status')]") == (
        "This notice has expired."
    )


def test_machine_translated_free_text_is_marked(services, client):
    with services.session_factory.begin() as session:
        notice = saved_notice(session, services.composer, "heavy_rain")
        notice.free_text = "旗山區已開設收容所。"
        session.add(
            NoticeTranslation(
                notice_id=notice.id,
                language="en",
                text="A shelter is open in Qishan.",
                origin=TranslationOrigin.MACHINE,
                engine="google",
            )
        )
        notice_id = notice.id
    english = page(client.get(f"/n/{notice_id}?lang=en"))
    assert "A shelter is open in Qishan." in text_of(english, "//main")
    assert text_of(english, "//p[@class='mark']") == (
        "Machine translated: the city has not yet reviewed this translation."
    )
    assert not page(client.get(f"/n/{notice_id}?lang=zh-Hant")).xpath("//p[@class='mark']")  # the officer's own


def test_an_unknown_language_falls_back_and_platform_tags_are_understood(services, client):
    notice_id = add(services)
    response = client.get(f"/n/{notice_id}?lang=xx")
    tree = page(response)
    assert response.status_code == 200 and tree.get("lang") == "zh-Hant"
    assert "「xx」" in text_of(tree, "//p[@class='note']")
    assert "Vary" not in response.headers
    for asked, lang in (("en-US", "en"), ("zh-tw", "zh-Hant"), ("zh_Hans", "zh-Hans"), ("tl", "fil"), ("TH", "th")):
        assert page(client.get(f"/n/{notice_id}?lang={asked}")).get("lang") == lang, asked
    assert not page(client.get(f"/n/{notice_id}?lang=th")).xpath("//p[@class='note']")


def test_accept_language_picks_the_language_when_the_link_has_none(services, client):
    notice_id = add(services)
    for header, lang in (
        ("th-TH,th;q=0.9,en;q=0.8", "th"),
        ("fr-FR, de;q=0.9, ja;q=0.5", "ja"),
        ("en;q=0.4, id;q=0.8", "id"),
        ("fr", "zh-Hant"),
        (None, "zh-Hant"),
    ):
        response = client.get(f"/n/{notice_id}", headers={"Accept-Language": header} if header else {})
        assert page(response).get("lang") == lang, header
        assert "Accept-Language" in response.headers["Vary"]
    listing = client.get("/notices", headers={"Accept-Language": "vi"})
    assert page(listing).get("lang") == "vi" and page(listing).xpath("//h1")[0].text_content() == (
        "Thông báo đang có hiệu lực"
    )


def test_active_notices_lists_only_those_in_force_most_severe_first(services, client):
    empty = page(client.get("/notices?lang=en"))
    assert text_of(empty, "//p[@class='empty']") == "No active notices right now."
    assert not empty.xpath("//li[@class='card']")
    moderate = add(services, "heavy_rain", severity="Moderate")
    extreme = add(services, "evacuation_order", severity="Extreme")
    hidden = [
        add(services, "water_outage", expires=NOW - timedelta(minutes=1)),
        add(services, "ferry_suspension", status=NoticeStatus.CANCELLED),
        add(services, "road_closure", training=True),
        add(services, "power_outage", status=NoticeStatus.DRAFT),
        add(services, "mrt_disruption", msg_type=MsgType.CANCEL),
    ]
    for lang in ("en", "km"):
        response = client.get(f"/notices?lang={lang}")
        assert response.status_code == 200
        tree = page(response)
        cards = tree.xpath("//li[@class='card']")
        links = [card.xpath(".//h2/a")[0] for card in cards]
        assert [a.get("href") for a in links] == [f"/n/{extreme}?lang={lang}", f"/n/{moderate}?lang={lang}"]
        for link, notice_id in zip(links, (extreme, moderate), strict=True):
            assert link.text_content() == services.composer.compose(load(services, notice_id), lang).headline
        assert not any(f"/n/{notice_id}?" in response.get_data(as_text=True) for notice_id in hidden)
        assert [a.get("href") for a in tree.xpath("//nav//a")][0] == "/notices?lang=zh-Hant"
        assert client.get(links[0].get("href")).status_code == 200


def test_the_active_notices_are_counted_in_each_languages_plural_form(services, client):
    def intro(lang):
        return text_of(page(client.get(f"/notices?lang={lang}")), "//p[@class='intro']")

    add(services, "heavy_rain")
    assert intro("en") == "1 alert or notice is in force now."
    assert intro("zh-Hant") == "目前生效中的警報與通知共 1 則，最嚴重的排在最前面。"
    add(services, "road_closure")
    assert intro("en") == "2 alerts and notices are in force now, the most severe first."
    assert intro("zh-Hant") == "目前生效中的警報與通知共 2 則，最嚴重的排在最前面。"  # one form for every number
    assert intro("th") == "คำเตือนและประกาศที่มีผลอยู่ในขณะนี้ 2 รายการ เรียงจากรุนแรงที่สุด"


def test_a_repeated_request_with_the_etag_gets_304(services, client):
    notice_id = add(services)
    first = client.get(f"/n/{notice_id}?lang=en")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] in ("public, max-age=30", "max-age=30, public")
    again = client.get(f"/n/{notice_id}?lang=en", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get(f"/n/{notice_id}?lang=th", headers={"If-None-Match": etag}).status_code == 200
    with services.session_factory.begin() as session:
        session.get(Notice, notice_id).status = NoticeStatus.CANCELLED  # updated_at moves on
    changed = client.get(f"/n/{notice_id}?lang=en", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag

    listing = client.get("/notices?lang=en")
    assert client.get("/notices?lang=en", headers={"If-None-Match": listing.headers["ETag"]}).status_code == 304
    add(services)
    assert client.get("/notices?lang=en", headers={"If-None-Match": listing.headers["ETag"]}).status_code == 200


def test_the_page_is_light_readable_and_self_contained(services, client):
    html = client.get(f"/n/{add(services)}?lang=my").get_data(as_text=True)
    tree = lxml.html.fromstring(html)
    assert "<script" not in html and "style=" not in html  # the CSP allows neither
    assert tree.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    assets = tree.xpath("//link[@rel='stylesheet']/@href") + tree.xpath("//img/@src")
    assert assets == ["/public/static/public.css"]
    css = client.get(assets[0])
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert len(css.data) < 10 * 1024 and CSS.stat().st_size < 10 * 1024
    text = css.get_data(as_text=True)
    for font in ("Noto Sans CJK TC", "Noto Sans Khmer", "Noto Sans Myanmar", "Noto Sans Thai"):
        assert f'"{font}"' in text
    assert ":focus-visible" in text and "@import" not in text and "url(" not in text


@pytest.mark.parametrize("severity", list(SEVERITY_COLOURS))
@pytest.mark.parametrize("training", [False, True])
def test_the_severity_band_text_has_enough_contrast(composer, severity, training):
    notice = replace(localised(composer), severity=severity, training=training)
    band, text = pages.band_colours(notice)
    assert band == (TRAINING_COLOUR if training else SEVERITY_COLOURS[severity])
    assert pages.contrast_ratio(text, band) >= 4.5


@pytest.mark.parametrize("severity", list(SEVERITY_COLOURS))
@pytest.mark.parametrize("training", [False, True])
def test_the_stylesheet_paints_each_band_as_the_pages_choose(composer, severity, training):
    notice = replace(localised(composer), severity=severity, training=training)
    assert band_rules()[pages.band_class(notice)] == pages.band_colours(notice)


@pytest.mark.parametrize(
    "foreground, background",
    [
        ("#1a1a1a", "#fff"),
        ("#4d4d4d", "#f6f6f6"),
        ("#0b57d0", "#fff"),
        ("#0b57d0", "#f6f6f6"),
        ("#0b57d0", "#eef3fd"),
        ("#0b57d0", "#fff7e0"),
        ("#5b21b6", "#f3edff"),
        ("#fff", "#1a1a1a"),
        ("#083d91", "#fff"),
        ("#1a1a1a", "#f1f1f1"),
    ],
)
def test_the_stylesheet_colours_meet_wcag_aa(foreground, background):
    css = CSS.read_text(encoding="utf-8").lower()
    assert foreground in css and background in css

    def full(colour):
        return colour if len(colour) == 7 else "#" + "".join(c * 2 for c in colour[1:])

    assert pages.contrast_ratio(full(foreground), full(background)) >= 4.5
