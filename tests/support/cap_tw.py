"""Reading Taiwanese CAP alerts in tests: the sample files, hand-made <info>s, and parameter checks."""

from __future__ import annotations

import html
import re
from pathlib import Path

from messages.cap import CapError
from messages.cap_geography import BEARINGS, default_places
from messages.cap_read import CapAlert, CapArea, CapInfo, ReadLimits, read_cap
from messages.cap_tw import read_taiwan_alert
from messages.params import InvalidParameters, ParamChecker

DATA = Path(__file__).parent.parent / "data"
REAL_ALERTS = DATA / "cap-tw-2019"
HANDMADE = DATA / "cap-tw-handmade"
TOLERANT = ReadLimits(tolerate=frozenset({"description_markup"}))
PLACES = default_places()
EVENT = "profile:CAP-TWP:Event:1.0"
ALL_DISTRICTS = 38
TSUNAMI_COAST = (
    "yancheng",
    "gushan",
    "zuoying",
    "nanzih",
    "cianjhen",
    "cijin",
    "siaogang",
    "linyuan",
    "qieding",
    "yongan",
    "mituo",
    "ziguan",
)
# Parameters another part of civicast is adding to the kinds (the structured epicentre, the districts an
# earthquake was felt in) and the values they take.
UPCOMING = {"earthquake_report": {"epicentre_from", "epicentre_bearing", "epicentre_km", "districts"}}


def markup_as_text(document: bytes, *, how: str) -> bytes:
    """The typhoon file's <description> holds markup, which the OASIS schema refuses: as escaped text or as its
    text alone, the two ways a reader may hand it on."""
    text = document.decode("utf-8")
    start, end = text.index("<description>") + len("<description>"), text.index("</description>")
    inner = text[start:end]
    inner = html.escape(inner, quote=False) if how == "escaped" else re.sub(r"<[^>]+>", "", inner)
    return (text[:start] + inner + text[end:]).encode("utf-8")


def real(name: str, *, markup: str = "escaped") -> CapAlert:
    document = (REAL_ALERTS / name).read_bytes()
    try:
        return read_cap(document, TOLERANT)
    except CapError as exc:
        # Until the CAP reader tolerates the weather agency's typhoon markup, read the same text without it.
        if "description" not in str(exc):
            raise
        return read_cap(markup_as_text(document, how=markup))


def reading_of(alert: CapAlert, glossary):
    return read_taiwan_alert(alert, glossary, PLACES)


def param_problems(kinds, glossary, reading) -> dict[str, str]:
    """What the kind's parameter checker refuses in a reading's params, besides parameters left for an officer."""
    if reading.kind not in kinds.kinds:
        return {}
    kind = kinds.get(reading.kind)
    declared = {name: value for name, value in reading.params.items() if name in kind.params}
    undeclared = set(reading.params) - set(declared)
    problems = {name: "not a parameter of the kind" for name in undeclared - UPCOMING.get(kind.id, set())}
    upcoming_values = {
        "epicentre_from": {county.quake_reference for county in PLACES.counties},
        "epicentre_bearing": set(BEARINGS.values()),
    }
    problems.update(
        {
            name: "not a known value"
            for name in undeclared & set(upcoming_values)
            if reading.params[name] not in upcoming_values[name]
        }
    )
    if "epicentre_km" in undeclared and not 0 <= reading.params["epicentre_km"] <= 3000:
        problems["epicentre_km"] = "out of range"
    try:
        ParamChecker(kinds, glossary).check(kind, declared)
    except InvalidParameters as exc:
        problems.update({name: error for name, error in exc.errors.items() if error != "is required"})
    return problems


def info_of(
    code: str | None,
    event: str,
    *,
    areas=(),
    parameters=(),
    headline=None,
    description=None,
    severity="Moderate",
    language="zh-TW",
    effective="2024-07-15T10:00:00+08:00",
    expires="2024-07-15T18:00:00+08:00",
    onset=None,
) -> CapInfo:
    return CapInfo(
        language=language,
        categories=("Met",),
        event=event,
        urgency="Expected",
        severity=severity,
        certainty="Likely",
        event_codes=((EVENT, code),) if code else (),
        effective=effective,
        onset=onset,
        expires=expires,
        headline=headline,
        description=description,
        parameters=tuple(parameters),
        areas=tuple(areas),
    )


def alert_of(*infos: CapInfo, msg_type: str = "Alert") -> CapAlert:
    return CapAlert(
        identifier="test-1",
        sender="test@example.tw",
        sent="2024-07-15T10:00:00+08:00",
        status="Actual",
        msg_type=msg_type,
        scope="Public",
        infos=infos,
    )


def town(*codes: str, description: str = "") -> CapArea:
    return CapArea(description, geocodes=tuple(("Taiwan_Geocode_103", code) for code in codes))
