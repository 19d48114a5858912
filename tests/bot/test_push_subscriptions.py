"""Alerts in the browser, the server's side: the notice pages' form, and the endpoint that stores a subscription."""

from __future__ import annotations

import base64
import secrets

import lxml.html
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from bot.app import create_app
from bot.office.services import Services
from bot.settings import load_settings
from channels.webpush import WebPushChannel, endpoint_id
from messages.i18n import LANGUAGES
from scheduler.audience import TOPIC_BITS, Subscriber, district_mask
from tests.bot.test_public_pages import add

ENDPOINT = "https://push.example.net/send/abc123"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_keys() -> dict[str, str]:
    point = ec.generate_private_key(ec.SECP256R1()).public_key()
    raw = point.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64(raw), "auth": b64(secrets.token_bytes(16))}


def body(endpoint=ENDPOINT, **changes):
    return {
        "subscription": {"endpoint": endpoint, "expirationTime": None, "keys": browser_keys()},
        "language": "vi",
        "topics": ["disaster", "health"],
        "districts": ["lingya", "gushan"],
        **changes,
    }


@pytest.fixture(params=[True], ids=["web-push-on"])
def services(request, tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
        f"channels:\n  webpush:\n    enabled: {str(request.param).lower()}\n",
        encoding="utf-8",
    )
    built = Services(load_settings(config, environ={}))
    yield built
    built.close()


@pytest.fixture
def channel(services):
    """Web Push as the registry builds it from channels.webpush: sandbox keys under the configuration's var/."""
    webpush = services.channels["webpush"]
    assert isinstance(webpush, WebPushChannel)
    return webpush


@pytest.fixture
def client(services):
    return create_app(services.settings, services, resume_webhook_events=False).test_client()


def residents(services) -> list[Subscriber]:
    with services.session_factory() as session:
        return list(session.scalars(select(Subscriber).where(Subscriber.channel == "webpush")))


def test_a_browser_subscribes_as_a_resident_of_its_own_kind(services, channel, client):
    sent = body()
    response = client.post("/push/subscriptions", json=sent)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "subscribed": True,
        "language": "vi",
        "topics": ["disaster", "health"],
        "districts": ["lingya", "gushan"],
    }
    (resident,) = residents(services)
    assert resident.platform_user_id == endpoint_id(ENDPOINT) and len(resident.platform_user_id) == 64
    assert resident.language == "vi" and resident.status == "active" and not resident.test_recipient
    assert resident.topics == TOPIC_BITS["disaster"] | TOPIC_BITS["health"]
    assert not resident.whole_city and resident.districts == district_mask(services.glossary, ["lingya", "gushan"])
    assert resident.address == {"endpoint": ENDPOINT, "keys": sent["subscription"]["keys"]}


def test_subscribing_again_changes_the_choices_of_the_same_resident(services, channel, client):
    assert client.post("/push/subscriptions", json=body()).status_code == 201
    again = client.post("/push/subscriptions", json=body(language="th", topics=["transport"], districts=[]))
    assert again.status_code == 200
    (resident,) = residents(services)
    assert resident.language == "th" and resident.topics == TOPIC_BITS["transport"] and resident.whole_city


def test_turning_alerts_off_keeps_no_address(services, channel, client):
    client.post("/push/subscriptions", json=body())
    assert client.delete("/push/subscriptions", json={"endpoint": ENDPOINT}).get_json() == {"unsubscribed": True}
    (resident,) = residents(services)
    assert resident.status == "inactive" and resident.address is None
    assert client.delete("/push/subscriptions", json={"endpoint": ENDPOINT}).status_code == 404


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"subscription": {"endpoint": "https://push.example.net/a\x07b", "keys": browser_keys()}}, "control"),
        ({"subscription": {"endpoint": "http://push.example.net/x", "keys": browser_keys()}}, "https://"),
        ({"subscription": {"endpoint": "https://push.example.net/" + "x" * 1100, "keys": browser_keys()}}, "longer"),
        ({"subscription": {"endpoint": ENDPOINT, "keys": {"p256dh": b64(b"\x04" + b"1" * 64), "auth": "x"}}}, "P-256"),
        ({"subscription": {"endpoint": ENDPOINT, "keys": {**browser_keys(), "auth": b64(b"short")}}}, "16 bytes"),
        ({"subscription": {"endpoint": ENDPOINT}}, "keys must be"),
        ({"subscription": "not an object"}, "PushSubscription"),
        ({"language": "xx"}, "language 'xx'"),
        ({"topics": []}, "at least one"),
        ({"topics": ["weather"]}, "unknown topic 'weather'"),
        ({"districts": ["atlantis"]}, "unknown district 'atlantis'"),
        ({"districts": "lingya"}, "districts must be a list"),
    ],
)
def test_a_subscription_that_cannot_work_is_refused_saying_why(services, channel, client, changes, error):
    response = client.post("/push/subscriptions", json=body(**changes))
    assert response.status_code == 400 and error in response.get_json()["error"]
    assert residents(services) == []


def test_only_this_sites_pages_may_subscribe(services, channel, client):
    cross = client.post("/push/subscriptions", json=body(), headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and "Origin" in cross.get_json()["error"]
    fetched = client.post("/push/subscriptions", json=body(), headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status_code == 403
    form = client.post("/push/subscriptions", data={"endpoint": ENDPOINT})
    assert form.status_code == 415 and "application/json" in form.get_json()["error"]
    same = client.post("/push/subscriptions", json=body(), headers={"Origin": "http://localhost"})
    assert same.status_code == 201


def test_large_bodies_and_bursts_are_refused(services, channel, client):
    huge = client.post("/push/subscriptions", json=body(padding="x" * 5000))
    assert huge.status_code == 413
    answers = [client.post("/push/subscriptions", json=body(f"{ENDPOINT}/{n}")).status_code for n in range(12)]
    assert answers[:9] == [201] * 9 and answers[-1] == 429  # ten attempts a minute, the large one counted
    assert int(client.post("/push/subscriptions", json=body()).headers["Retry-After"]) > 0


def test_the_notice_pages_offer_alerts_in_the_browser(services, channel, client):
    notice_id = add(services)
    for path in (f"/n/{notice_id}?lang=ja", "/notices?lang=ja"):
        response = client.get(path)
        tree = lxml.html.fromstring(response.get_data(as_text=True))
        (form,) = tree.xpath("//form[@id='push-form']")
        assert form.get("data-key") == channel.public_key and form.get("data-language") == "ja"
        assert form.get("data-subscribe") == "/push/subscriptions" and form.get("data-worker") == "/push/worker.js"
        assert tree.xpath("//form//input[@name='topic']/@value") == list(TOPIC_BITS)
        assert len(tree.xpath("//form//input[@name='district']")) == 38
        assert tree.xpath("//form//button[@type='submit']/@disabled")  # until the script finds Web Push works
        assert "JavaScript" in form.xpath("string(.//p[@class='push-note'])")
        assert tree.xpath("//script/@src") == ["/public/static/push.js"]
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    worker = client.get("/push/worker.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert "showNotification" in worker.get_data(as_text=True)


def test_the_form_speaks_every_language(services, channel, client):
    titles = {}
    for code in LANGUAGES:
        tree = lxml.html.fromstring(client.get(f"/notices?lang={code}").get_data(as_text=True))
        titles[code] = tree.xpath("string(//h2[@id='push-title'])")
        assert LANGUAGES[code].native_name in tree.xpath("string(//section[@class='push']/p)")
    assert len(set(titles.values())) == len(LANGUAGES)  # each language its own words, none left in English
    assert titles["en"] == "Alert me in this browser"


@pytest.mark.parametrize("services", [False], ids=["web-push-off"], indirect=True)
def test_without_web_push_the_pages_stay_script_free(services, client):
    html = client.get(f"/n/{add(services)}?lang=en").get_data(as_text=True)
    assert "<script" not in html and "push-form" not in html
    assert client.post("/push/subscriptions", json=body()).status_code == 404
