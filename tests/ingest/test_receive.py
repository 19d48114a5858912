"""Storing received documents: raw with source and digest, refused ones with their reason, duplicates once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from ingest.models import AlertKey, IncomingAlert, Outcome
from ingest.receive import claim_incoming, incoming_for_reference, store_document, waiting_incoming
from messages.cap_read import ReadLimits

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
LIMITS = ReadLimits()


def alert(
    identifier: str = "CWA-EQ-1",
    *,
    sent: str = "2026-12-07T16:00:00+08:00",
    msg_type: str = "Alert",
    references: str = "",
) -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>cwa.gov.tw</sender><sent>{sent}</sent>
  <status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}
  <info><language>zh-TW</language><category>Geo</category><event>地震</event><urgency>Past</urgency>
  <severity>Moderate</severity><certainty>Observed</certainty><headline>地震報告</headline></info>
</alert>""".encode()


def test_a_document_is_stored_raw_with_its_source_digest_and_header(session_factory):
    document = alert()
    with session_factory.begin() as session:
        received = store_document(session, document, source="push", origin="203.0.113.9", limits=LIMITS, now=NOW)
    assert received.outcome is Outcome.RECEIVED and received.alert is not None
    with session_factory() as session:
        row = session.get_one(IncomingAlert, received.incoming_id)
        assert row.raw == document
        assert row.digest == hashlib.sha256(document).hexdigest() and row.size == len(document)
        assert (row.source, row.origin, row.sender, row.identifier, row.status, row.msg_type) == (
            "push",
            "203.0.113.9",
            "cwa.gov.tw",
            "CWA-EQ-1",
            "Actual",
            "Alert",
        )
        assert row.headline == "地震報告" and row.received_at == NOW


def test_what_is_not_cap_is_stored_refused_with_the_reason(session_factory):
    page = b"<html><body>Service Unavailable</body></html>"
    with session_factory.begin() as session:
        received = store_document(session, page, source="file", origin="broken.cap", limits=LIMITS, now=NOW)
    assert received.outcome is Outcome.REJECTED and received.alert is None
    with session_factory() as session:
        row = session.get_one(IncomingAlert, received.incoming_id)
        assert row.raw == page and row.decided_at == NOW
        assert "html" in row.reason.lower()


def test_a_body_over_the_limit_is_kept_in_part_and_refused_for_its_size(session_factory):
    with session_factory.begin() as session:
        received = store_document(
            session, b"x" * 1024, source="push", origin=None, limits=LIMITS, now=NOW, truncated_from=10 * 1024 * 1024
        )
    assert received.outcome is Outcome.REJECTED
    assert "10485760 bytes; the limit is 1048576" in received.reason


def test_the_same_alert_again_is_a_duplicate_of_the_first_whichever_path_brought_it(session_factory):
    with session_factory.begin() as session:
        first = store_document(session, alert(), source="push", origin=None, limits=LIMITS, now=NOW)
    with session_factory.begin() as session:
        again = store_document(session, alert(), source="poll", origin="earthquake: 1", limits=LIMITS, now=NOW)
        other = store_document(
            session, alert(sent="2026-12-07T16:05:00+08:00"), source="poll", origin=None, limits=LIMITS, now=NOW
        )
    assert again.outcome is Outcome.DUPLICATE and again.alert is None
    assert str(first.incoming_id) in again.reason
    assert other.outcome is Outcome.RECEIVED
    with session_factory() as session:
        assert session.get_one(IncomingAlert, again.incoming_id).duplicate_of == first.incoming_id
        assert session.query(AlertKey).count() == 2
        found = incoming_for_reference(session, "cwa.gov.tw,CWA-EQ-1,2026-12-07T16:00:00+08:00")
        assert found is not None and found.id == first.incoming_id
        assert incoming_for_reference(session, "cwa.gov.tw,unknown,2026-12-07T16:00:00+08:00") is None
        assert incoming_for_reference(session, "not a triplet") is None


def test_a_received_document_is_claimed_once_and_waits_again_when_its_claim_goes_stale(session_factory):
    with session_factory.begin() as session:
        received = store_document(session, alert(), source="push", origin=None, limits=LIMITS, now=NOW)
    with session_factory.begin() as session:
        assert waiting_incoming(session, now=NOW) == [received.incoming_id]
        assert claim_incoming(session, received.incoming_id, now=NOW)
    with session_factory.begin() as session:
        assert not claim_incoming(session, received.incoming_id, now=NOW)
        assert waiting_incoming(session, now=NOW) == []
    later = NOW.replace(hour=9)
    with session_factory.begin() as session:
        assert waiting_incoming(session, now=later) == [received.incoming_id]
        assert claim_incoming(session, received.incoming_id, now=later)
