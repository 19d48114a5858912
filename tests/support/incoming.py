"""Incoming alerts stored as the intake would have stored and decided them, for the console's pages."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.models import IncomingAlert, Outcome

REAL_ALERTS = Path(__file__).resolve().parents[1] / "data" / "cap-tw-2019"


def real_alert(name: str) -> bytes:
    """One of the national platform's real documents in tests/data/cap-tw-2019."""
    return (REAL_ALERTS / name).read_bytes()


def incoming_alert(session: Any, raw: bytes = b"<alert/>", **fields: Any) -> IncomingAlert:
    """A stored incoming document (flushed, not committed); ``fields`` override the record's columns."""
    values: dict[str, Any] = {
        "received_at": datetime.now(UTC),
        "source": "push",
        "origin": "203.0.113.7",
        "digest": hashlib.sha256(raw).hexdigest(),
        "size": len(raw),
        "raw": raw,
        "outcome": Outcome.IGNORED,
        "districts": [],
    } | fields
    row = IncomingAlert(**values)
    session.add(row)
    session.flush()
    return row
