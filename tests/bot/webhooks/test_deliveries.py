"""Webhook deliveries answered in front of Flask: status, body, headers, limits, failures."""

from __future__ import annotations

import io
import logging

import pytest
from werkzeug.test import Client

from bot.web_security import DATA_CSP, HSTS
from bot.webhooks.deliveries import WebhookDeliveries, WebhookPath, read_body
from messages.log_context import REQUEST_ID


class Platform:
    """An injected webhook: records what it was given and answers as told."""

    def __init__(self, answer: tuple[int, str] = (200, "ok"), *, fails: bool = False) -> None:
        self.answer = answer
        self.fails = fails
        self.calls: list[tuple[bytes, str, str | None]] = []

    def accept(self, body: bytes, signature: str) -> tuple[int, str]:
        self.calls.append((body, signature, REQUEST_ID.get()))
        if self.fails:
            raise RuntimeError("the database went away mid-delivery")
        return self.answer


def behind_flask(environ, start_response):
    start_response("299 FROM FLASK", [("Content-Type", "text/plain")])
    return [b"flask"]


def client(platform: Platform, *, https: bool = False, only_post: bool = True) -> Client:
    paths = {
        "/webhooks/line": WebhookPath(
            accept=platform.accept, signature_header="HTTP_X_LINE_SIGNATURE", max_body=64, only_post=only_post
        )
    }
    return Client(WebhookDeliveries(behind_flask, paths, https=https))


def test_a_delivery_is_accepted_with_its_signature_and_answered_with_the_webhooks_headers():
    platform = Platform()
    response = client(platform).post("/webhooks/line", data=b'{"events": []}', headers={"X-Line-Signature": "sig"})
    assert (response.status_code, response.get_data()) == (200, b"ok")
    assert platform.calls[0][:2] == (b'{"events": []}', "sig")
    assert response.headers["Content-Security-Policy"] == DATA_CSP
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Strict-Transport-Security" not in response.headers
    made = response.headers["X-Request-Id"]
    assert len(made) == 32 and platform.calls[0][2] == made  # the log lines written while storing carry it
    assert REQUEST_ID.get() is None  # and it does not outlive the request


@pytest.mark.parametrize(
    ("given", "kept"), [("from-the-proxy-1", True), ("no spaces; allowed", False), ("x" * 65, False), ("", False)]
)
def test_a_sane_request_id_from_the_proxy_is_kept(given, kept):
    response = client(Platform()).post("/webhooks/line", data=b"{}", headers={"X-Request-Id": given})
    assert (response.headers["X-Request-Id"] == given) is kept


def test_https_adds_hsts():
    response = client(Platform(), https=True).post("/webhooks/line", data=b"{}")
    assert response.headers["Strict-Transport-Security"] == HSTS


@pytest.mark.parametrize(
    ("answer", "status_line"),
    [
        ((400, "invalid signature"), "400 BAD REQUEST"),
        ((503, "events not stored; deliver again later"), "503 SERVICE UNAVAILABLE"),
    ],
)
def test_the_platforms_answer_is_passed_on(answer, status_line):
    response = client(Platform(answer)).post("/webhooks/line", data=b"{}")
    assert response.status == status_line and response.get_data(as_text=True) == answer[1]


def test_a_body_over_the_limit_is_refused_unread():
    platform = Platform()
    response = client(platform).post("/webhooks/line", data=b"x" * 65)
    assert (response.status_code, response.get_data()) == (413, b"request body too large")
    assert platform.calls == []
    assert client(platform).post("/webhooks/line", data=b"x" * 64).status_code == 200


@pytest.mark.parametrize(("length", "read"), [(None, b"x" * 10), ("10", b"x" * 10), ("not a number", b"x" * 10)])
def test_a_body_without_a_usable_length_is_read_to_the_limit(length, read):
    environ = {"wsgi.input": io.BytesIO(b"x" * 10), **({"CONTENT_LENGTH": length} if length else {})}
    assert read_body(environ, 64) == read
    assert read_body({"wsgi.input": io.BytesIO(b"x" * 65)}, 64) is None  # chunked, longer than the limit


def test_a_failure_while_accepting_is_a_500_with_no_traceback_and_is_logged(caplog):
    caplog.set_level(logging.ERROR, logger="civicast.webhooks")
    response = client(Platform(fails=True)).post("/webhooks/line", data=b"{}")
    assert (response.status_code, response.get_data()) == (500, b"internal error")
    assert "the database went away mid-delivery" in caplog.text  # the traceback is in the log, not the answer


def test_another_method_is_refused_on_a_post_only_path_and_passed_to_flask_on_the_other():
    refused = client(Platform()).get("/webhooks/line")
    assert (refused.status_code, refused.headers["Allow"]) == (405, "POST")
    assert client(Platform(), only_post=False).get("/webhooks/line").status == "299 FROM FLASK"


def test_other_paths_are_flasks():
    platform = Platform()
    assert client(platform).post("/webhooks/line/", data=b"{}").status == "299 FROM FLASK"
    assert client(platform).get("/notices").get_data() == b"flask"
    assert platform.calls == []
