"""Storing what came in: every document, raw, with its source, time, digest and a first outcome.

A document is read (``messages.cap_read``) as it is stored, so what is not a usable CAP alert is recorded
``rejected`` with the reason at once, and a second arrival of the same alert (same sender, identifier and
sent), by whichever path, is recorded ``duplicate`` of the first: the alert key's primary key decides, across
processes. What remains is ``received``: the office decides what to do with it (``bot/office/alerts.py``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ingest.models import AlertKey, IncomingAlert, Outcome
from messages.cap import CapError
from messages.cap_read import CapAlert, ReadLimits, read_cap
from messages.db import affected_rows, dialect_insert
from messages.metrics import CAP_DOCUMENTS
from messages.text import without_refused

STALE_CLAIM = timedelta(minutes=5)
MAX_REASON = 2000


@dataclass(frozen=True)
class Received:
    """A stored document and, when it is a usable alert, the alert read from it."""

    incoming_id: int
    outcome: Outcome
    alert: CapAlert | None
    reason: str | None = None


def _short(value: str | None, length: int) -> str | None:
    if value is None:
        return None
    # The header fields are shown on pages and printed: keep them to printable text of a sane length.
    return without_refused(" ".join(value.split()), multiline=False)[:length]


def store_document(
    session: Session,
    document: bytes,
    *,
    source: str,
    origin: str | None,
    limits: ReadLimits,
    now: datetime,
    truncated_from: int | None = None,
) -> Received:
    """Store ``document`` with what reading it found. ``truncated_from``: the body was larger than this and
    only its first bytes are kept (it is refused for its size)."""
    row = IncomingAlert(
        received_at=now,
        source=source,
        origin=_short(origin, 300),
        digest=hashlib.sha256(document).hexdigest(),
        size=truncated_from or len(document),
        raw=document,
        outcome=Outcome.RECEIVED,
        districts=[],
    )
    session.add(row)
    alert = None
    if truncated_from is not None:
        row.outcome, row.reason = (
            Outcome.REJECTED,
            (
                f"the document is {truncated_from} bytes; the limit is "
                f"{limits.max_bytes} (only the first bytes are kept)"
            ),
        )
    else:
        try:
            alert = read_cap(document, limits)
        except CapError as exc:
            row.outcome, row.reason = Outcome.REJECTED, without_refused(str(exc))[:MAX_REASON]
    if alert is not None:
        row.sender, row.identifier, row.sent = (
            _short(alert.sender, 200),
            _short(alert.identifier, 200),
            _short(alert.sent, 40),
        )
        row.status, row.msg_type = _short(alert.status, 16), _short(alert.msg_type, 16)
        info = alert.infos[0] if alert.infos else None
        if info is not None:
            row.headline = _short(info.headline or info.event, 500)
    if row.outcome is Outcome.REJECTED:
        row.decided_at = now
    session.flush()
    if alert is not None:
        first = _first_with_key(session, row)
        if first is not None:
            row.outcome, row.duplicate_of, row.decided_at = Outcome.DUPLICATE, first, now
            row.reason = f"the same alert (sender, identifier, sent) came before as incoming alert {first}"
    if row.outcome is not Outcome.RECEIVED:  # decided already; the others are counted when decided
        CAP_DOCUMENTS.labels(row.outcome.value).inc()
    return Received(row.id, row.outcome, alert if row.outcome is Outcome.RECEIVED else None, row.reason)


def _first_with_key(session: Session, row: IncomingAlert) -> int | None:
    """None when ``row`` is the first with its key (and now holds it), else the id of the first."""
    table = AlertKey.__table__
    inserted = session.execute(
        dialect_insert(session)(table).on_conflict_do_nothing().returning(table.c.incoming_id),
        {"sender": row.sender or "", "identifier": row.identifier or "", "sent": row.sent or "", "incoming_id": row.id},
    ).scalar()
    if inserted is not None:
        return None
    return session.scalar(
        select(AlertKey.incoming_id).where(
            AlertKey.sender == (row.sender or ""),
            AlertKey.identifier == (row.identifier or ""),
            AlertKey.sent == (row.sent or ""),
        )
    )


def incoming_for_reference(session: Session, reference: str) -> IncomingAlert | None:
    """The first document of the alert a ``sender,identifier,sent`` reference names."""
    parts = reference.split(",")
    if len(parts) != 3:
        return None
    sender, identifier, sent = parts
    first = session.scalar(
        select(AlertKey.incoming_id).where(
            AlertKey.sender == sender, AlertKey.identifier == identifier, AlertKey.sent == sent
        )
    )
    return session.get(IncomingAlert, first) if first is not None else None


def claim_incoming(session: Session, incoming_id: int, *, now: datetime) -> bool:
    """Take a received document to decide: False if it is decided or another process has it."""
    result = session.execute(
        update(IncomingAlert)
        .where(
            IncomingAlert.id == incoming_id,
            IncomingAlert.outcome == Outcome.RECEIVED,
            or_(IncomingAlert.claimed_at.is_(None), IncomingAlert.claimed_at < now - STALE_CLAIM),
        )
        .values(claimed_at=now)
    )
    return affected_rows(result) == 1


def waiting_incoming(session: Session, *, now: datetime, limit: int = 100) -> list[int]:
    """Documents received and not decided whose claim, if any, went stale: a process died deciding them."""
    return list(
        session.scalars(
            select(IncomingAlert.id)
            .where(
                IncomingAlert.outcome == Outcome.RECEIVED,
                or_(IncomingAlert.claimed_at.is_(None), IncomingAlert.claimed_at < now - STALE_CLAIM),
            )
            .order_by(IncomingAlert.id)
            .limit(limit)
        )
    )


def record_outcome(
    session: Session,
    incoming_id: int,
    outcome: Outcome,
    reason: str | None,
    *,
    now: datetime,
    kind: str | None = None,
    districts: list[str] | None = None,
    event_code: str | None = None,
    rule: str | None = None,
    notice_id: int | None = None,
) -> IncomingAlert:
    row = session.get_one(IncomingAlert, incoming_id)
    row.outcome, row.reason, row.decided_at = outcome, without_refused(reason)[:MAX_REASON] if reason else None, now
    row.kind, row.districts, row.event_code = kind, list(districts or []), _short(event_code, 64)
    row.rule, row.notice_id = rule, notice_id
    CAP_DOCUMENTS.labels(Outcome(outcome).value).inc()
    return row
