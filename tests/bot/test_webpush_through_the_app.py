"""Web Push as the registry builds it from config: a browser subscribes through the public endpoint, the preview
grid and the delivery report show a Web Push column (no code outside the channel names it), and the notice reaches
the browser through the outbox in its language."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import insert, select

from bot.app import create_app
from bot.office import desk
from bot.office.accounts import create_officer
from bot.office.services import Services
from bot.settings import load_settings
from channels.webpush import WebPushChannel, endpoint_id
from messages.models import Notice
from scheduler.audience import Subscriber
from scheduler.outbox import Delivery, DeliveryStatus
from tests.bot.office.conftest import APPROVER, approve, compose, submit
from tests.support.confirmed import CONFIRMED
from tests.support.console_pages import PASSWORDS, Officer, html, text
from tests.support.sandbox import free_port
from tests.support.webpush import received, sandbox_browser


@pytest.fixture
def services(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {free_port()}\n  webpush:\n    enabled: true\n",
        encoding="utf-8",
    )
    built = Services(load_settings(config, environ={}))
    sandbox = built.build_sandbox()
    sandbox.serve_in_thread(built.settings.channels.sandbox.host, built.settings.channels.sandbox.port)
    with built.session_factory.begin() as session:
        create_officer(session, "ap-chen", "approver", display_name="Chen", password=PASSWORDS["ap-chen"])
    yield built
    sandbox.stop()
    built.close()


@pytest.fixture
def app(services):
    built = create_app(services.settings, services, resume_webhook_events=False)
    yield built
    built.extensions["civicast.webhook_executor"].shutdown(wait=True)


def subscribe(services, app, language: str) -> dict:
    """A browser at the sandbox's push service subscribes on a notice page, as push.js would."""
    channel = services.channels["webpush"]
    assert isinstance(channel, WebPushChannel)  # built by the registry from channels.webpush
    browser = sandbox_browser(services.settings.channels.sandbox.url, channel.public_key)
    response = app.test_client().post(
        "/push/subscriptions",
        json={
            "subscription": {"endpoint": browser["endpoint"], "expirationTime": None, "keys": browser["keys"]},
            "language": language,
            "topics": ["disaster"],
            "districts": ["lingya"],
        },
    )
    assert response.status_code == 201, response.get_json()
    return browser


def test_the_preview_grid_shows_a_web_push_column_with_its_subscribers(services, app):
    subscribe(services, app, "th")
    notice_id = compose(services)
    page = html(Officer(app, "ap-chen").get(f"/console/notices/{notice_id}"))
    heads = [span.text_content() for span in page.xpath("//div[@class='grid-head']/span")]
    assert "Web Push" in heads
    [cell] = page.xpath("//article[@aria-labelledby='lang-th']//div[@data-channel='webpush']")
    assert text(cell, ".")  # the Thai notification as the browser would show it
    audience = page.xpath("//table[caption[starts-with(., 'Residents by language')]]")[0]
    assert "Web Push" in [th.text_content() for th in audience.xpath(".//thead//th")]


def test_a_sent_notice_reaches_the_browser_in_its_language_and_the_report_counts_it(services, app):
    browser = subscribe(services, app, "th")
    with services.session_factory.begin() as session:  # a second browser that will have expired by then
        gone = sandbox_browser(services.settings.channels.sandbox.url, services.channels["webpush"].public_key)
        session.execute(
            insert(Subscriber),
            [
                {
                    "channel": "webpush",
                    "platform_user_id": endpoint_id(gone["endpoint"]),
                    "language": "vi",
                    "address": {"endpoint": gone["endpoint"], "keys": gone["keys"]},
                }
            ],
        )
    sandbox_url = services.settings.channels.sandbox.url
    requests.post(f"{sandbox_url}/sandbox/push/subscriptions/{gone['id']}/expire", timeout=5).raise_for_status()
    notice_id = compose(services)
    submit(services, notice_id)
    approve(services, APPROVER, notice_id)
    desk.send_notice_now(
        services.dispatch, APPROVER, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )
    worker = services.build_worker("webpush-app-test")
    assert worker.run_until_done(timeout=60)
    with services.session_factory() as session:
        title = services.composer.compose(session.get(Notice, notice_id), "th").title_line
        statuses = set(
            session.scalars(
                select(Delivery.status).where(Delivery.notice_id == notice_id, Delivery.channel == "webpush")
            )
        )
        expired = session.scalar(select(Subscriber).where(Subscriber.platform_user_id == endpoint_id(gone["endpoint"])))
    [message] = received(sandbox_url, browser)
    assert message["payload"]["lang"] == "th" and message["payload"]["title"] == title
    assert statuses == {DeliveryStatus.SENT}
    assert expired.status == "inactive" and expired.address is None  # 410: the address is not kept
    page = html(Officer(app, "ap-chen").get(f"/console/notices/{notice_id}/delivery"))
    [section] = page.xpath("//section[@aria-labelledby='ch-webpush']")
    assert text(section, ".//h2") == "Web Push"
