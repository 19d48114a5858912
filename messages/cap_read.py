"""Reading CAP 1.2 alerts from others, defensively.

Anyone can post to a push endpoint and real feeds hold HTML error pages saved as ``.cap``: a document is
refused (``CapError`` saying why, in words shown to officers and printed by ``civicast cap import``) when it is
empty, larger or deeper than the limits, an HTML page, declares a DTD or entities, is not well-formed, is not
CAP 1.2, or fails the OASIS schema beyond the tolerances the configuration lists. Nothing is fetched over the
network and no entity is expanded while reading (see ``messages.untrusted_xml``).
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from lxml import etree

from messages.cap import CAP_NS, CapError, cap_schema
from messages.untrusted_xml import RefusedXml, decode, parse_untrusted, shown

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_DEPTH = 40  # a CAP alert is 5 deep; markup in a description adds a few
PROBE_MAX_BYTES = 1024
SCHEMA_ERRORS_SHOWN = 3
DESCRIPTION_MARKUP = "description_markup"  # XML elements inside <description>, as the national typhoon warning has
KNOWN_TOLERANCES = frozenset({DESCRIPTION_MARKUP})
_CAP_NAMESPACE = re.compile(r"urn:oasis:names:tc:emergency:cap:(\d+\.\d+)")
_REQUIRED_CHILDREN = {
    "alert": ("identifier", "sender", "sent", "status", "msgType", "scope"),
    "info": ("category", "event", "urgency", "severity", "certainty"),
    "area": ("areaDesc",),
}
_SCHEMA_LOCK = threading.Lock()  # a compiled schema keeps one error log: validations must not interleave


@dataclass(frozen=True)
class ReadLimits:
    """How much a document may hold, and which known deviations from the schema are tolerated."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    tolerate: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tolerate", frozenset(self.tolerate))
        if self.max_bytes < 1 or self.max_depth < 1:
            raise ValueError(f"read limits must be positive: max_bytes={self.max_bytes}, max_depth={self.max_depth}")
        if unknown := sorted(self.tolerate - KNOWN_TOLERANCES):
            raise ValueError(
                f"unknown CAP tolerance(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_TOLERANCES))}"
            )


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
    return tuple(text for item in element.findall(f"{{{CAP_NS}}}{tag}") if (text := "".join(item.itertext()).strip()))


def _pairs(element: etree._Element, tag: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (_text(item, "valueName") or "", _text(item, "value") or "") for item in element.findall(f"{{{CAP_NS}}}{tag}")
    )


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
        areas=tuple(
            CapArea(
                _text(area, "areaDesc") or "", _pairs(area, "geocode"), _texts(area, "circle"), _texts(area, "polygon")
            )
            for area in info.findall(f"{{{CAP_NS}}}area")
        ),
    )


def _is_probe(root: etree._Element) -> bool:
    return (
        root.tag == f"{{{CAP_NS}}}alert"
        and len(root) == 1
        and root[0].tag == f"{{{CAP_NS}}}Test"
        and len(root[0]) == 0
        and (root[0].text or "").strip() == "Test"
        and not (root.text or "").strip()
        and not (root[0].tail or "").strip()
    )


def is_liveness_probe(document: bytes) -> bool:
    """Whether this is the national platform's liveness probe (answer it, store nothing): small, and no DTD."""
    if len(document) > PROBE_MAX_BYTES:
        return False
    try:
        text = decode(document)
    except RefusedXml:
        return False
    if "<!" in text:  # the probe has no DTD, comment or CDATA; refusing them all keeps this cheap and safe
        return False
    try:
        return _is_probe(parse_untrusted(document, max_bytes=PROBE_MAX_BYTES, max_depth=3))
    except RefusedXml:
        return False


def _root_problem(root: etree._Element) -> str | None:
    qname = etree.QName(root)
    if root.tag == f"{{{CAP_NS}}}alert":
        return None
    version = _CAP_NAMESPACE.fullmatch(qname.namespace or "")
    if version and qname.localname == "alert":
        return f"CAP {version.group(1)} (namespace {qname.namespace}); civicast reads CAP 1.2 ({CAP_NS})"
    return (
        f"not a CAP 1.2 alert: the root element is <{shown(qname.localname, 80)}> in "
        f"{f'namespace {shown(qname.namespace, 120)}' if qname.namespace else 'no namespace'}; "
        f"a CAP 1.2 alert is <alert> in namespace {CAP_NS}"
    )


@dataclass(frozen=True)
class _SchemaErrors:
    first: tuple[str, ...]  # at most SCHEMA_ERRORS_SHOWN, as shown
    count: int


def _schema_errors(root: etree._Element) -> _SchemaErrors:
    schema = cap_schema()
    with _SCHEMA_LOCK:
        if schema.validate(root):
            return _SchemaErrors((), 0)
        log = schema.error_log
        first = tuple(
            f"line {error.line}: {error.message.rstrip('.')}".replace(f"{{{CAP_NS}}}", "")
            for error in islice(log, SCHEMA_ERRORS_SHOWN)
        )
        return _SchemaErrors(first, len(log))


def _missing_required(root: etree._Element) -> Iterator[str]:
    """Every required element that is absent, named at once: the schema names only the first it expected."""
    for parent, names in _REQUIRED_CHILDREN.items():
        for element in [root] if parent == "alert" else root.iter(f"{{{CAP_NS}}}{parent}"):
            if absent := [name for name in names if element.find(f"{{{CAP_NS}}}{name}") is None]:
                yield f"line {element.sourceline}: <{parent}> lacks {', '.join(absent)}"


def _schema_reason(root: etree._Element, errors: _SchemaErrors) -> str:
    if missing := list(islice(_missing_required(root), SCHEMA_ERRORS_SHOWN + 1)):
        details, more = missing[:SCHEMA_ERRORS_SHOWN], " (and more)" if len(missing) > SCHEMA_ERRORS_SHOWN else ""
    else:
        details, more = list(errors.first), ""
        if errors.count > len(errors.first):
            more = f" (and {errors.count - len(errors.first)} more)"
    return "not valid CAP 1.2: " + "; ".join(shown(detail, 200) for detail in details) + more


def _description_flattened(root: etree._Element) -> etree._Element | None:
    """A copy whose descriptions hold only their text content, or None when no description holds markup."""
    if not any(len(description) for description in root.iter(f"{{{CAP_NS}}}description")):
        return None
    flat = copy.deepcopy(root)  # keeps source lines, so the copy's schema errors point into the document
    for description in flat.iter(f"{{{CAP_NS}}}description"):
        if len(description):
            text = "".join(description.itertext())
            for child in list(description):
                description.remove(child)
            description.text = text
    return flat


def _validated(root: etree._Element, limits: ReadLimits) -> tuple[etree._Element, tuple[str, ...]]:
    """The tree to read and the tolerances it needed, or CapError with the schema's first errors."""
    errors = _schema_errors(root)
    if not errors.count:
        return root, ()
    flat = _description_flattened(root)
    if flat is None:
        raise CapError(_schema_reason(root, errors))
    flat_errors = _schema_errors(flat)
    if DESCRIPTION_MARKUP in limits.tolerate:
        if flat_errors.count:
            raise CapError(_schema_reason(flat, flat_errors))
        return flat, (DESCRIPTION_MARKUP,)
    only_markup = f"; markup inside <description> is the only deviation (tolerance {DESCRIPTION_MARKUP})"
    raise CapError(_schema_reason(root, errors) + ("" if flat_errors.count else only_markup))


def read_cap(document: bytes, limits: ReadLimits = ReadLimits()) -> CapAlert:
    """Read a CAP 1.2 alert, or raise CapError naming what is wrong with it."""
    try:
        root = parse_untrusted(document, max_bytes=limits.max_bytes, max_depth=limits.max_depth)
    except RefusedXml as exc:
        raise CapError(str(exc)) from None
    if problem := _root_problem(root):
        raise CapError(problem)
    if _is_probe(root):
        raise CapError("the platform's liveness probe (<Test>Test</Test>), not an alert")
    try:
        root, tolerated = _validated(root, limits)
    except etree.LxmlError as exc:
        raise CapError(f"not valid CAP 1.2: {shown(str(exc))}") from None
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
        tolerated=tolerated,
    )
