"""POST /ingest/cap/<secret>: stored before the answer, the platform's answer, the probe, the secret, the limits."""

from __future__ import annotations

import pytest
import requests

from ingest.models import Outcome
from tests.support.cap_read_documents import PROBE
from tests.support.ingest_stack import CAP_DATA, PUSH_SECRET, IngestStack

ANSWER = b'<?xml version="1.0" encoding="utf-8" ?><Data><Status>True</Status></Data>'


@pytest.fixture
def ingest(tmp_path, database_url, engine):
    stack = IngestStack(tmp_path, database_url, worker=False)
    yield stack
    stack.close()


def test_a_pushed_document_is_stored_and_answered_as_the_platform_expects(ingest):
    document = (CAP_DATA / "WRA_WaterLevelWarn_20190824140323.xml").read_bytes()
    response = ingest.push(document)
    assert response.status_code == 200 and response.content == ANSWER
    assert response.headers["Content-Type"].startswith("application/xml")
    ingest.settle()
    [row] = ingest.incoming()
    assert row.raw == document and row.source == "push" and row.origin == "127.0.0.1"
    assert row.outcome != Outcome.RECEIVED  # decided after the answer


def test_the_liveness_probe_is_answered_and_not_stored(ingest):
    assert ingest.push(PROBE).content == ANSWER
    assert ingest.incoming() == []


def test_a_wrong_secret_finds_nothing(ingest):
    response = requests.post(f"{ingest.url}/ingest/cap/{PUSH_SECRET[:-1]}x", data=PROBE, timeout=5)
    assert response.status_code == 404
    assert ingest.incoming() == []


def test_what_is_not_cap_is_recorded_with_its_reason_and_still_answered(ingest):
    assert ingest.push(b"<html><head><title>502 Bad Gateway</title></head></html>").content == ANSWER
    assert ingest.push(b"").content == ANSWER
    [page, empty] = ingest.incoming()
    assert page.outcome == Outcome.REJECTED and "HTML page" in page.reason
    assert empty.outcome == Outcome.REJECTED and "empty" in empty.reason


def test_a_body_over_the_limit_is_kept_in_part_and_recorded_refused(ingest):
    body = b"<alert>" + b"x" * (10 * 1024 * 1024)
    response = ingest.push(body)
    assert response.content == ANSWER
    [row] = ingest.incoming()
    assert row.outcome == Outcome.REJECTED and row.size == len(body) and len(row.raw) == 1024 * 1024
    assert "limit is 1048576" in row.reason


def test_an_address_outside_the_allow_list_is_refused(tmp_path, database_url, engine):
    stack = IngestStack(tmp_path, database_url, worker=False, extra_config="    allow_from: [192.0.2.0/24]\n")
    try:
        response = stack.push((CAP_DATA / "WRA_WaterLevelWarn_20190824140323.xml").read_bytes())
        assert response.status_code == 403 and b"<Status>False</Status>" in response.content
        assert stack.incoming() == []
    finally:
        stack.close()
