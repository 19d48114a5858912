"""Reading CAP 1.2 alerts from others, defensively.

Anyone can post to a push endpoint and real feeds hold HTML error pages saved as ``.cap``: a document is
refused (``CapError`` saying why) when it declares a DTD or entities, is larger or deeper than the limits, is
not well-formed, is not CAP 1.2, or fails the OASIS schema beyond the tolerances the configuration lists.
Nothing is fetched over the network while reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from messages.cap import CAP_NS, CapError, _safe_parser, cap_schema

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_DEPTH = 40


@dataclass(frozen=True)
class ReadLimits:
    """How much a document may hold, and which known deviations from the schema are tolerated."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    tolerate: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CapArea:
    description: str
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value)
    circles: tuple[str, ...] = ()  # "lat,lon radius_km" as written
    polygons: tuple[str, ...] = ()  # "lat,lon lat,lon ..." as written


@dataclass(frozen=True)
class CapInfo:
    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    event_codes: tuple[tuple[str, str], ...] = ()
    effective: str | None = None
    onset: str | None = None
    expires: str | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()  # (valueName, value), in document order, repeats kept
    areas: tuple[CapArea, ...] = ()

    def parameter(self, name: str) -> str | None:
        return next((value for key, value in self.parameters if key == name), None)

    def parameter_values(self, name: str) -> list[str]:
        return [value for key, value in self.parameters if key == name]

    def event_code(self, value_name: str) -> str | None:
        return next((value for key, value in self.event_codes if key == value_name), None)


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    scope: str
    references: tuple[str, ...] = ()  # "sender,identifier,sent" triplets
    note: str | None = None
    infos: tuple[CapInfo, ...] = field(default_factory=tuple)
    tolerated: tuple[str, ...] = ()  # the tolerances this document needed


def _text(element: etree._Element, tag: str) -> str | None:
    found = element.find(f"{{{CAP_NS}}}{tag}")
    if found is None:
        return None
    text = "".join(found.itertext()).strip()
    return text or None


def _texts(element: etree._Element, tag: str) -> tuple[str, ...]:
    return tuple(text for item in element.findall(f"{{{CAP_NS}}}{tag}")
                 if (text := "".join(item.itertext()).strip()))


def _pairs(element: etree._Element, tag: str) -> tuple[tuple[str, str], ...]:
    return tuple((_text(item, "valueName") or "", _text(item, "value") or "")
                 for item in element.findall(f"{{{CAP_NS}}}{tag}"))


def _read_info(info: etree._Element) -> CapInfo:
    return CapInfo(
        language=_text(info, "language") or "en-US",
        categories=_texts(info, "category"),
        event=_text(info, "event") or "",
        urgency=_text(info, "urgency") or "Unknown",
        severity=_text(info, "severity") or "Unknown",
        certainty=_text(info, "certainty") or "Unknown",
        event_codes=_pairs(info, "eventCode"),
        effective=_text(info, "effective"),
        onset=_text(info, "onset"),
        expires=_text(info, "expires"),
        sender_name=_text(info, "senderName"),
        headline=_text(info, "headline"),
        description=_text(info, "description"),
        instruction=_text(info, "instruction"),
        web=_text(info, "web"),
        parameters=_pairs(info, "parameter"),
        areas=tuple(CapArea(_text(area, "areaDesc") or "", _pairs(area, "geocode"), _texts(area, "circle"),
                            _texts(area, "polygon"))
                    for area in info.findall(f"{{{CAP_NS}}}area")),
    )


def read_cap(document: bytes, limits: ReadLimits = ReadLimits()) -> CapAlert:
    """Read a CAP 1.2 alert, or raise CapError naming what is wrong with it."""
    if len(document) > limits.max_bytes:
        raise CapError(f"the document is {len(document)} bytes; the limit is {limits.max_bytes}")
    if b"<!DOCTYPE" in document.upper() or b"<!ENTITY" in document.upper():
        raise CapError("the document declares a DTD or entities, which CAP never needs")
    try:
        root = etree.fromstring(document, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise CapError(f"not well-formed XML: {exc}") from None
    if root.tag != f"{{{CAP_NS}}}alert":
        raise CapError(f"not a CAP 1.2 alert: the root element is <{etree.QName(root).localname}> "
                       f"in namespace {etree.QName(root).namespace or 'none'}")
    schema = cap_schema()
    if not schema.validate(root):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in schema.error_log)
        raise CapError(f"not valid CAP 1.2: {errors}")
    return CapAlert(
        identifier=_text(root, "identifier") or "",
        sender=_text(root, "sender") or "",
        sent=_text(root, "sent") or "",
        status=_text(root, "status") or "",
        msg_type=_text(root, "msgType") or "",
        scope=_text(root, "scope") or "",
        references=tuple((_text(root, "references") or "").split()),
        note=_text(root, "note"),
        infos=tuple(_read_info(info) for info in root.findall(f"{{{CAP_NS}}}info")),
    )


def is_liveness_probe(document: bytes) -> bool:
    compact = b"".join(document[:400].split())
    return compact.endswith(b'<alertxmlns="urn:oasis:names:tc:emergency:cap:1.2"><Test>Test</Test></alert>')
