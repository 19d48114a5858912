"""CAP 1.2: writing civicast notices for broadcasters, reading alerts from others.

Output has one ``<info>`` per language and validates against the OASIS CAP 1.2
schema. Input is parsed defensively: no DTDs or entities, no network, a size
limit, and a clear error for what is not a CAP alert (real feeds hold HTML
error pages saved as ``.cap``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from lxml import etree

from messages.glossary import WHOLE_CITY, Glossary
from messages.i18n import TAIPEI
from messages.kinds import Kind
from messages.localised import LocalisedNotice

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "cap12.xsd"
EVENT_CODE_NAME = "profile:CAP-TWP:Event:1.0"  # Taiwan's national CAP profile
TOWN_GEOCODE = "Taiwan_Geocode_103"
CITY_GEOCODE = "Taiwan_Geocode_100"


class CapError(ValueError):
    """A document that is not a usable CAP 1.2 alert."""


def cap_time(value: datetime) -> str:
    """CAP's dateTime: seconds, an explicit offset, never "Z"."""
    return value.astimezone(TAIPEI).isoformat(timespec="seconds")


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


@dataclass(frozen=True)
class AlertHeader:
    identifier: str
    sender: str
    sent: datetime
    status: str  # Actual | Test ...
    msg_type: str  # Alert | Update | Cancel
    references: tuple[str, ...] = ()  # "sender,identifier,sent" of earlier alerts


def build_alert(
    header: AlertHeader,
    kind: Kind,
    localised: Iterable[LocalisedNotice],
    glossary: Glossary,
    *,
    urgency: str | None = None,
    certainty: str | None = None,
) -> bytes:
    """A CAP 1.2 alert with one <info> per language. Each headline is the notice's own, led by the training mark
    on a training notice (whose status is also Test)."""
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(alert, "identifier", header.identifier)
    _sub(alert, "sender", header.sender)
    _sub(alert, "sent", cap_time(header.sent))
    _sub(alert, "status", header.status)
    _sub(alert, "msgType", header.msg_type)
    _sub(alert, "scope", "Public")
    if header.references:
        _sub(alert, "references", " ".join(header.references))
    for notice in localised:
        info = _sub(alert, "info")
        _sub(info, "language", notice.language)
        _sub(info, "category", kind.cap.category)
        _sub(info, "event", notice.kind_title)
        # The composer's: the kind's defaults, or the row of the notice's level (kinds.yaml "levels").
        _sub(info, "urgency", urgency or notice.urgency)
        _sub(info, "severity", notice.severity.value)
        _sub(info, "certainty", certainty or notice.certainty)
        code = _sub(info, "eventCode")
        _sub(code, "valueName", EVENT_CODE_NAME)
        _sub(code, "value", kind.cap.event_code)
        if notice.effective:
            _sub(info, "effective", cap_time(notice.effective))
        if notice.expires:
            _sub(info, "expires", cap_time(notice.expires))
        _sub(info, "senderName", notice.agency)
        _sub(info, "headline", notice.headline)
        if notice.body:
            _sub(info, "description", notice.body)
        if notice.instruction:
            _sub(info, "instruction", notice.instruction)
        if notice.link:
            _sub(info, "web", notice.link)
        parameter = _sub(info, "parameter")
        _sub(parameter, "valueName", "civicast:kind")
        _sub(parameter, "value", kind.id)
        area = _sub(info, "area")
        _sub(area, "areaDesc", notice.areas_text)
        if WHOLE_CITY in notice.districts:
            geocode = _sub(area, "geocode")
            _sub(geocode, "valueName", CITY_GEOCODE)
            _sub(geocode, "value", glossary.term("city", "kaohsiung").geocode)
        else:
            for key in notice.districts:
                geocode = _sub(area, "geocode")
                _sub(geocode, "valueName", TOWN_GEOCODE)
                _sub(geocode, "value", glossary.term("district", key).geocode)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@lru_cache(maxsize=1)
def cap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE), _safe_parser()))


def validate_cap(document: bytes) -> list[str]:
    """Schema errors of a CAP document, empty when it is valid CAP 1.2."""
    try:
        tree = etree.fromstring(document, _safe_parser())
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    schema = cap_schema()
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False, huge_tree=False
    )
