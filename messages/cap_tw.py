"""One alert from Taiwan's national platform, read as what civicast can do with it.

``read_taiwan_alert`` picks the alert's ``<info>`` (the first in zh-TW, preferring one that concerns Kaohsiung:
the weather agency sends one ``<info>`` per group of coasts or counties), finds the Kaohsiung districts it
touches (``messages.cap_geography``), and maps its CAP-TWP event to a civicast kind and that kind's parameters
(``messages.cap_tw_hazards``, ``messages.cap_tw_civic``). The result says, in ``reason``, why civicast can make
nothing of it, or what an officer has to complete: it never guesses what the source does not say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from messages.cap_geography import Places, default_places, normalise
from messages.cap_read import CapAlert, CapInfo
from messages.cap_tw_civic import air_quality, day_off, parking, reservoir, road_closure
from messages.cap_tw_hazards import cold, earthquake, heat, rainfall, thunderstorm, tsunami, typhoon
from messages.cap_tw_source import Interpretation, Source, cap_time
from messages.glossary import Glossary
from messages.kinds import UnknownKind, default_kind_book

__all__ = ["Places", "Reading", "default_places", "level_rank", "read_taiwan_alert", "severity_rank"]

EVENT_CODE_PREFIX = "profile:cap-twp:event"
SEVERITIES = ("Unknown", "Minor", "Moderate", "Severe", "Extreme")


def _kind_levels() -> dict[str, tuple[str, ...]]:
    """Each kind's levels, lowest first, from the level tables in kinds.yaml: the same order that raises a notice's
    severity decides an ingest rule's minimum level. Number thresholds (a tsunami's wave height) are no level a
    rule can name."""
    return {
        kind.id: kind.levels.values
        for kind in default_kind_book().kinds.values()
        if kind.levels is not None and not kind.levels.numeric
    }


LEVELS: dict[str, tuple[str, ...]] = _kind_levels()
# A required parameter another one stands in for: the epicentre as text, or as seat, bearing and distance.
_STANDS_IN_FOR = {"epicentre": "epicentre_from"}


@dataclass(frozen=True)
class Reading:
    event_code: str  # the CAP-TWP event value ("earthquake", "typhoon", ...) or "" if absent
    kind: str | None  # civicast kind id, None when no kind fits
    params: dict[str, Any] = field(default_factory=dict)  # for Composer.new_notice(kind, params)
    districts: tuple[str, ...] = ()  # Kaohsiung district keys the alert touches, in the glossary's order
    severity: str = "Unknown"  # the source's <severity>
    level: str | None = None  # the kind's own level (quake intensity, rain level, alert colour, AQI level)
    effective: datetime | None = None
    expires: datetime | None = None
    source_text: str = ""  # the source's own zh-TW text: headline, description, instruction
    reason: str | None = None  # why civicast can make nothing of it, or what is missing; None if usable


def level_rank(kind: str, level: str) -> int:
    """The place of a level among its kind's levels, lowest first, for "minimum level" rules."""
    levels = LEVELS.get(kind)
    if levels is None:
        raise ValueError(f"{kind} has no levels (kinds with levels: {', '.join(LEVELS)})")
    if level not in levels:
        raise ValueError(f"{level!r} is not a level of {kind} (levels: {', '.join(levels)})")
    return levels.index(level)


def severity_rank(severity: str) -> int:
    """Unknown < Minor < Moderate < Severe < Extreme, as CAP 1.2 writes them."""
    if severity not in SEVERITIES:
        raise ValueError(f"{severity!r} is not a CAP severity (one of {', '.join(SEVERITIES)})")
    return SEVERITIES.index(severity)


# The profile's event codes (lower case) and the <event> words used when a sender gives no code.
READERS: dict[str, Callable[[Source], Interpretation]] = {
    "earthquake": earthquake,
    "tsunami": tsunami,
    "typhoon": typhoon,
    "rainfall": rainfall,
    "heavyrain": rainfall,
    "thunderstorm": thunderstorm,
    "heat": heat,
    "hightemperature": heat,
    "cold": cold,
    "lowtemperature": cold,
    "reservoirdis": reservoir,
    "roadclose": road_closure,
    "roadclosure": road_closure,
    "workschlclos": day_off,
    "airquality": air_quality,
    "parking": parking,
}
EVENT_WORDS = (
    ("地震", "earthquake"),
    ("海嘯", "tsunami"),
    ("颱風", "typhoon"),
    ("雷雨", "thunderstorm"),
    ("豪雨", "rainfall"),
    ("大雨", "rainfall"),
    ("降雨", "rainfall"),
    ("高溫", "heat"),
    ("低溫", "cold"),
    ("水庫", "reservoirdis"),
    ("道路封閉", "roadclose"),
    ("停班", "workschlclos"),
    ("停課", "workschlclos"),
    ("空氣品質", "airquality"),
    ("停車", "parking"),
)


def reader_for(event_code: str, event: str) -> Callable[[Source], Interpretation] | None:
    if event_code:
        return READERS.get(event_code.strip().lower())
    text = normalise(event)
    return next((READERS[code] for word, code in EVENT_WORDS if word in text), None)


def _event_code(info: CapInfo) -> str:
    return next(
        (value.strip() for name, value in info.event_codes if name.strip().lower().startswith(EVENT_CODE_PREFIX)), ""
    )


def _district_keys(glossary: Glossary, places: Places) -> dict[str, str]:
    keys = {term.geocode: term.key for term in glossary.terms("district") if term.geocode}
    missing = [d.name for d in places.districts if d.code not in keys]
    if missing:
        raise ValueError(f"the glossary has no district with the geocode of {', '.join(missing)}")
    return keys


def _interpret(info: CapInfo, places: Places, key_of: dict[str, str]) -> tuple[str, Interpretation | None, Source]:
    codes = frozenset().union(*(places.area_districts(area) for area in info.areas))
    source = Source(info=info, places=places, codes=codes, key_of=key_of)
    code = _event_code(info)
    reader = reader_for(code, info.event)
    return code, (reader(source) if reader else None), source


def _readable(text: str) -> str:
    """The weather agency's typhoon description is markup: its data block (also in the prose) is left out, its
    sections become "title：text" lines, and no tag is left for officers to read."""
    text = re.sub(r"<typhoon-info\b[^>]*>.*?</typhoon-info>", "", text, flags=re.DOTALL)
    text = re.sub(r"<section\b[^>]*\btitle=\"([^\"]*)\"[^>]*>", r"\n\1：", text)
    return re.sub(r"<[^>]+>", "", text).strip()


def _source_text(info: CapInfo) -> str:
    parts = [info.headline, info.description, info.instruction]
    return "\n".join(_readable(part) for part in parts if part and part.strip())


def _missing(interpretation: Interpretation) -> list[str]:
    try:
        kind = default_kind_book().get(interpretation.kind)
    except UnknownKind:
        return []  # a kind another part of civicast is adding: nothing to check it against yet
    given = interpretation.params
    return [
        name
        for name, param in kind.params.items()
        if param.required and name not in given and _STANDS_IN_FOR.get(name) not in given
    ]


def _reason(alert: CapAlert, info: CapInfo, code: str, found: Interpretation | None) -> str | None:
    if found is None:
        what = f"{info.event} ({code})" if code and info.event else (info.event or code or "this event")
        return f"civicast has no notice kind for {what}"
    if alert.msg_type.lower() == "cancel":
        return "a Cancel withdraws earlier alerts; it never becomes a notice of its own"
    if not found.codes:
        return found.no_district
    if found.note:
        return found.note
    missing = _missing(found)
    if missing:
        return f"the alert does not give {', '.join(missing)}, which {found.kind} needs: an officer completes it"
    return None


def _level(found: Interpretation | None) -> str | None:
    """The reader's level, or the value of the kind's level parameter (a typhoon's intensity)."""
    if found is None:
        return None
    if found.level is not None or found.kind not in LEVELS:
        return found.level
    table = default_kind_book().get(found.kind).levels
    value = found.params.get(table.param) if table else None
    return None if value is None else str(value)


def read_taiwan_alert(alert: CapAlert, glossary: Glossary, places: Places) -> Reading:
    """What civicast can make of one alert from Taiwan's national platform."""
    if not alert.infos:
        return Reading(event_code="", kind=None, reason="the alert has no <info>: it only refers to earlier alerts")
    key_of = _district_keys(glossary, places)
    candidates = [info for info in alert.infos if info.language.strip().lower() == "zh-tw"] or [alert.infos[0]]
    readings = [_interpret(info, places, key_of) for info in candidates]
    code, found, source = next(((c, f, s) for c, f, s in readings if (f.codes if f else s.codes)), readings[0])
    info = source.info
    codes = found.codes if found else source.codes
    return Reading(
        event_code=code,
        kind=found.kind if found else None,
        params=dict(found.params) if found else {},
        districts=tuple(key_of[c] for c in places.codes_in_order(codes)),
        severity=info.severity,
        level=_level(found),
        effective=cap_time(info.effective),
        expires=cap_time(info.expires),
        source_text=_source_text(info),
        reason=_reason(alert, info, code, found),
    )
