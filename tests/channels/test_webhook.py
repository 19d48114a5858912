"""Partner webhooks: a signed JSON push, retried like the other channels."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from channels.base import Batch, PermanentError, RetryableError
from channels.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    PartnerWebhookChannel,
    verify_signature,
)
from messages.i18n import LANGUAGES
from tests.support.factories import notice as make_notice
from tests.support.sandbox import free_port
from tests.support.serving import serve_in_background

SECRET = "partner-secret-0123456789"


class Partner:
    """A radio station's endpoint: answers with a configurable status and records what it got."""

    def __init__(self):
        self.status = 200
        self.headers: dict[str, str] = {}
        self.delay_s = 0.0
        self.received: list[tuple[dict, bytes]] = []
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                partner.received.append((dict(self.headers), body))
                time.sleep(partner.delay_s)
                self.send_response(partner.status)
                for key, value in partner.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        serve_in_background(self.server)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/civicast"


@pytest.fixture
def partner():
    endpoint = Partner()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


@pytest.fixture
def notices(composer):
    item = make_notice(composer, "earthquake_report")
    item.id, item.identifier = 5, "civicast-test-5"
    return composer.compose_all(item, list(LANGUAGES))


def test_signed_push_in_the_partners_languages(partner, notices):
    channel = PartnerWebhookChannel(partner="radio", url=partner.url, secret=SECRET, languages=["zh-Hant", "en"])
    channel.send(Batch("delivery-1", notices))
    headers, body = partner.received[0]
    assert verify_signature(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify_signature("other-secret-0123456789", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert headers[DELIVERY_HEADER] == "delivery-1"
    document = json.loads(body)
    assert set(document["languages"]) == {"zh-Hant", "en"}
    assert document["identifier"] == "civicast-test-5" and document["kind"] == "earthquake_report"


def test_old_timestamps_are_refused_by_the_verifier(partner, notices):
    PartnerWebhookChannel(partner="radio", url=partner.url, secret=SECRET).send(Batch("d", notices))
    headers, body = partner.received[0]
    later = int(headers[TIMESTAMP_HEADER]) + 3600
    assert not verify_signature(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER], now=later)


@pytest.mark.parametrize(
    ("status", "headers", "outcome"),
    [
        (200, {}, "sent"),
        (202, {}, "sent"),
        (409, {}, "duplicate"),
        (500, {}, RetryableError),
        (503, {"Retry-After": "30"}, RetryableError),
        (429, {"Retry-After": "12"}, RetryableError),
        (400, {}, PermanentError),
        (401, {}, PermanentError),
        (404, {}, PermanentError),
    ],
)
def test_partner_answers(partner, notices, status, headers, outcome):
    partner.status, partner.headers = status, headers
    channel = PartnerWebhookChannel(partner="radio", url=partner.url, secret=SECRET)
    if outcome in ("sent", "duplicate"):
        assert channel.send(Batch("d", notices)).duplicate is (outcome == "duplicate")
        return
    with pytest.raises(outcome) as caught:
        channel.send(Batch("d", notices))
    assert caught.value.status == status
    if "Retry-After" in headers:
        assert caught.value.delay_s == float(headers["Retry-After"])


def test_timeouts_and_unreachable_partners_are_retryable(partner, notices):
    partner.delay_s = 2.0
    with pytest.raises(RetryableError):
        PartnerWebhookChannel(partner="radio", url=partner.url, secret=SECRET, timeout_s=0.3).send(Batch("d", notices))
    with pytest.raises(RetryableError, match="unreachable"):
        PartnerWebhookChannel(partner="radio", url=f"http://127.0.0.1:{free_port()}/x", secret=SECRET).send(
            Batch("d", notices)
        )
