"""Placeholder interface of the national-platform reader (replaced by the full reader in the same branch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

SEVERITIES = ("Unknown", "Minor", "Moderate", "Severe", "Extreme")


@dataclass(frozen=True)
class Reading:
    event_code: str
    kind: str | None
    params: dict[str, Any]
    districts: tuple[str, ...]
    severity: str
    level: str | None
    effective: datetime | None
    expires: datetime | None
    source_text: str
    reason: str | None


class Places:
    pass


def default_places() -> Places:
    return Places()


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def level_rank(kind: str, level: str) -> int:
    raise ValueError(f"{level!r} is not a level of {kind}")


def read_taiwan_alert(alert: Any, glossary: Any, places: Places) -> Reading:
    raise NotImplementedError
