"""Notice kinds: typed parameters, topic, CAP mapping, level table and phrases.

The kinds live in ``messages/data/kinds.yaml``; this module loads them into
immutable objects once and checks that every template names only parameters
its kind declares, and that a level table covers every level of its parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from messages.yaml_files import safe_load

KINDS_FILE = Path(__file__).resolve().parent / "data" / "kinds.yaml"
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class Topic(StrEnum):
    DISASTER = "disaster"
    HEALTH = "health"
    TRANSPORT = "transport"


class ParamType(StrEnum):
    DISTRICTS = "districts"
    DISTRICT = "district"
    NAME = "name"
    NAMES = "names"
    VILLAGES = "villages"
    ENUM = "enum"
    GLOSSARY = "glossary"
    GLOSSARY_LIST = "glossary_list"
    INT = "int"
    NUMBER = "number"
    DATETIME = "datetime"
    DATE = "date"
    DATES = "dates"
    TIME = "time"


class Severity(StrEnum):
    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"

    @property
    def rank(self) -> int:
        """Higher is more severe (used to order crawls and feeds)."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.EXTREME: 4, Severity.SEVERE: 3, Severity.MODERATE: 2, Severity.MINOR: 1, Severity.UNKNOWN: 0}

CAP_CATEGORIES = frozenset(
    {"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}
)
CAP_URGENCIES = frozenset({"Immediate", "Expected", "Future", "Past", "Unknown"})
CAP_CERTAINTIES = frozenset({"Observed", "Likely", "Possible", "Unlikely", "Unknown"})
PHRASE_PARTS = ("headline", "body", "instruction")


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    required: bool
    example: Any
    enum: str | None = None
    group: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    decimals: int | None = None
    after: str | None = None  # a time parameter this one may not come before (an end and its start)
    # villages: the district parameter the text names beside them ("in {villages}, {district}"), so
    # they are written without their district.
    within: str | None = None
    # names: the generic part the sign leaves out (a station's sign says 美麗島; the language says which
    # kind of place it is: "Formosa Boulevard Station", "메이리다오역"). A key of messages/data/names.yaml.
    generic: str | None = None


@dataclass(frozen=True)
class Segment:
    """One sentence of a phrase: a template, an enum sentence chosen by a parameter, or alternatives."""

    context: str  # msgctxt
    text: str | None = None  # English source (msgid) with {placeholders}
    enum: str | None = None  # for enum sentences: the enum whose entry is the sentence
    by: str | None = None  # ... chosen by this parameter's value
    # {first_of: [...]}: the first of these sentences whose parameters are all given is written, the
    # rest are not (one epicentre line however it was reported, one headline with or without a figure).
    alternatives: tuple[Segment, ...] = ()

    @property
    def placeholders(self) -> tuple[str, ...]:
        if self.text is None:
            return (self.by,) if self.by else ()
        return tuple(PLACEHOLDER.findall(self.text))

    @property
    def choices(self) -> tuple[Segment, ...]:
        """The sentences this segment may be written as, in order of preference."""
        return self.alternatives or (self,)


@dataclass(frozen=True)
class CapMapping:
    category: str
    event_code: str
    urgency: str
    severity: Severity
    certainty: str


@dataclass(frozen=True)
class CapLevel:
    """What a notice is in CAP terms: its kind's defaults, or the row of its level."""

    urgency: str
    severity: Severity
    certainty: str


@dataclass(frozen=True)
class LevelTable:
    """What changes with one parameter (see "levels" in kinds.yaml): enum values or number thresholds, lowest
    first, each with its row."""

    param: str
    rows: tuple[tuple[Any, CapLevel], ...]
    numeric: bool = False

    @property
    def values(self) -> tuple[Any, ...]:
        return tuple(value for value, _ in self.rows)

    def row_for(self, value: Any) -> CapLevel | None:
        if value is None:
            return None
        if not self.numeric:
            return next((row for level, row in self.rows if level == str(value)), None)
        reached = [row for threshold, row in self.rows if float(value) >= threshold]
        return reached[-1] if reached else None


@dataclass(frozen=True)
class Kind:
    id: str
    title: str
    topic: Topic
    agency: str
    cap: CapMapping
    params: dict[str, Param]
    phrases: dict[str, tuple[Segment, ...]]  # headline / body / instruction
    free_text_only: bool = False
    levels: LevelTable | None = None

    @property
    def example_params(self) -> dict[str, Any]:
        return {name: p.example for name, p in self.params.items() if p.example is not None}

    def cap_for(self, params: Mapping[str, Any]) -> CapLevel:
        """Urgency, severity and certainty of a notice with these parameters: its level's row, or the defaults."""
        row = self.levels.row_for(params.get(self.levels.param)) if self.levels else None
        return row or CapLevel(urgency=self.cap.urgency, severity=self.cap.severity, certainty=self.cap.certainty)


@dataclass(frozen=True)
class KindBook:
    kinds: dict[str, Kind]
    enums: dict[str, dict[str, str]]  # enum -> value -> English source
    common: dict[str, str] = field(default_factory=dict)  # key -> English source
    notes: dict[str, str] = field(default_factory=dict)  # common key -> note for translators (a #. comment)

    def get(self, kind_id: str) -> Kind:
        try:
            return self.kinds[kind_id]
        except KeyError:
            raise UnknownKind(kind_id, sorted(self.kinds)) from None


class UnknownKind(KeyError):
    def __init__(self, kind_id: str, known: list[str]) -> None:
        super().__init__(kind_id)
        self.kind_id = kind_id
        self.known = known

    def __str__(self) -> str:
        return f"unknown notice kind {self.kind_id!r}; known kinds: {', '.join(self.known)}"


class KindDefinitionError(ValueError):
    """kinds.yaml is inconsistent (a template names an undeclared parameter, ...)."""


def _segment(kind_id: str, part: str, raw: Any, *, nested: bool = False) -> Segment:
    context = f"{kind_id}.{part}"
    if isinstance(raw, str):
        return Segment(context=context, text=raw)
    if isinstance(raw, dict) and set(raw) == {"enum", "by"}:
        return Segment(context=context, enum=raw["enum"], by=raw["by"])
    alternatives = raw.get("first_of") if isinstance(raw, dict) and set(raw) == {"first_of"} else None
    if not nested and isinstance(alternatives, list) and len(alternatives) >= 2:
        choices = tuple(_segment(kind_id, part, alternative, nested=True) for alternative in alternatives)
        return Segment(context=context, alternatives=choices)
    raise KindDefinitionError(
        f"{context}: a segment is a string, {{enum: NAME, by: PARAM}} or {{first_of: [two or "
        f"more of those]}}, got {raw!r}"
    )


def _param(kind_id: str, name: str, raw: dict[str, Any], enums: dict[str, dict[str, str]]) -> Param:
    where = f"{kind_id}.params.{name}"
    try:
        ptype = ParamType(raw["type"])
    except (KeyError, ValueError):
        raise KindDefinitionError(f"{where}: type must be one of {[t.value for t in ParamType]}") from None
    if ptype is ParamType.ENUM and raw.get("enum") not in enums:
        raise KindDefinitionError(f"{where}: enum {raw.get('enum')!r} is not defined")
    if ptype in (ParamType.GLOSSARY, ParamType.GLOSSARY_LIST) and not raw.get("group"):
        raise KindDefinitionError(f"{where}: glossary parameters need a group")
    if ptype in (ParamType.INT, ParamType.NUMBER) and (raw.get("min") is None or raw.get("max") is None):
        raise KindDefinitionError(
            f"{where}: numbers need min and max (a number without bounds is a typo waiting to be sent)"
        )
    if raw.get("after") is not None and ptype not in (ParamType.DATETIME, ParamType.DATE):
        raise KindDefinitionError(f"{where}: only a date or a date and time can be after another parameter")
    if raw.get("generic") is not None and ptype not in (ParamType.NAME, ParamType.NAMES):
        raise KindDefinitionError(f"{where}: only names can have an implied generic part")
    if raw.get("within") is not None and ptype is not ParamType.VILLAGES:
        raise KindDefinitionError(f"{where}: only villages can be within a district parameter")
    return Param(
        name=name,
        type=ptype,
        required=bool(raw.get("required", True)),
        example=raw.get("example"),
        enum=raw.get("enum"),
        group=raw.get("group"),
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        decimals=raw.get("decimals"),
        after=raw.get("after"),
        within=raw.get("within"),
        generic=raw.get("generic"),
    )


def _level_row(where: str, raw: Any, defaults: CapMapping) -> CapLevel:
    if not isinstance(raw, dict) or not raw or set(raw) - {"severity", "urgency", "certainty"}:
        raise KindDefinitionError(f"{where}: a level row sets severity, urgency and/or certainty, got {raw!r}")
    try:
        severity = Severity(raw.get("severity", defaults.severity.value))
    except ValueError:
        raise KindDefinitionError(f"{where}: {raw['severity']!r} is not a CAP 1.2 severity") from None
    row = CapLevel(
        urgency=raw.get("urgency", defaults.urgency),
        severity=severity,
        certainty=raw.get("certainty", defaults.certainty),
    )
    if row.urgency not in CAP_URGENCIES or row.certainty not in CAP_CERTAINTIES:
        raise KindDefinitionError(f"{where}: urgency/certainty outside CAP 1.2")
    return row


def _levels(
    kind_id: str, raw: Any, params: dict[str, Param], enums: dict[str, dict[str, str]], defaults: CapMapping
) -> LevelTable | None:
    """The kind's level table, checked: one row per enum value (written lowest first), or rising thresholds that
    start at the parameter's minimum (so every value a notice may carry has a row)."""
    if raw is None:
        return None
    where = f"{kind_id}.levels"
    param = params.get(str(raw.get("param"))) if isinstance(raw, dict) else None
    if param is None:
        raise KindDefinitionError(f"{where}: param must name one of the kind's parameters")
    if param.type is ParamType.ENUM and set(raw) == {"param", "values"}:
        values, allowed = raw["values"] or {}, list(enums[param.enum or ""])
        if sorted(str(v) for v in values) != sorted(allowed):
            raise KindDefinitionError(
                f"{where}: give one row for each value of {param.enum}, lowest first: {', '.join(allowed)}"
            )
        return LevelTable(
            param.name, tuple((str(v), _level_row(f"{where}.{v}", r, defaults)) for v, r in values.items())
        )
    if param.type in (ParamType.INT, ParamType.NUMBER) and set(raw) == {"param", "at_least"}:
        thresholds = raw["at_least"] or {}
        keys = [float(k) for k in thresholds]
        if not keys or keys != sorted(set(keys)) or keys[0] != param.minimum:
            raise KindDefinitionError(
                f"{where}: thresholds must rise and start at {param.name}'s minimum ({param.minimum})"
            )
        return LevelTable(
            param.name,
            tuple((float(k), _level_row(f"{where}.{k}", r, defaults)) for k, r in thresholds.items()),
            numeric=True,
        )
    raise KindDefinitionError(
        f"{where}: an enum parameter takes `values`, a number `at_least`; {param.name} is {param.type.value}"
    )


def _kind(kind_id: str, raw: dict[str, Any], enums: dict[str, dict[str, str]]) -> Kind:
    params = {name: _param(kind_id, name, spec, enums) for name, spec in (raw.get("params") or {}).items()}
    phrases = {part: tuple(_segment(kind_id, part, s) for s in raw.get(part) or ()) for part in PHRASE_PARTS}
    for param in params.values():
        earlier = params.get(param.after) if param.after else None
        if param.after and (earlier is None or earlier.type is not param.type):
            raise KindDefinitionError(
                f"{kind_id}.params.{param.name}: after {param.after!r} must name a parameter "
                f"of the same type ({param.type.value})"
            )
    for segments in phrases.values():
        for seg in (choice for segment in segments for choice in segment.choices):
            for name in seg.placeholders:
                if name not in params:
                    raise KindDefinitionError(f"{seg.context}: placeholder {{{name}}} is not a parameter of {kind_id}")
            if seg.enum is not None and seg.enum not in enums:
                raise KindDefinitionError(f"{seg.context}: enum {seg.enum!r} is not defined")
    cap = raw["cap"]
    mapping = CapMapping(
        category=cap["category"],
        event_code=cap["event_code"],
        urgency=cap["urgency"],
        severity=Severity(cap["severity"]),
        certainty=cap["certainty"],
    )
    if mapping.category not in CAP_CATEGORIES or mapping.urgency not in CAP_URGENCIES:
        raise KindDefinitionError(f"{kind_id}.cap: category/urgency outside CAP 1.2")
    if mapping.certainty not in CAP_CERTAINTIES:
        raise KindDefinitionError(f"{kind_id}.cap: certainty outside CAP 1.2")
    return Kind(
        id=kind_id,
        title=raw["title"],
        topic=Topic(raw["topic"]),
        agency=raw["agency"],
        cap=mapping,
        params=params,
        phrases=phrases,
        free_text_only=bool(raw.get("free_text_only", False)),
        levels=_levels(kind_id, raw.get("levels"), params, enums, mapping),
    )


def load_kind_book(path: Path = KINDS_FILE) -> KindBook:
    with path.open(encoding="utf-8") as handle:
        raw = safe_load(handle)
    enums = {name: {str(k): str(v) for k, v in values.items()} for name, values in raw["enums"].items()}
    kinds = {kind_id: _kind(kind_id, spec, enums) for kind_id, spec in raw["kinds"].items()}
    notes = {str(k): " ".join(str(v).split()) for k, v in (raw.get("notes") or {}).items()}
    common = {str(k): str(v) for k, v in raw["common"].items()}
    stray = sorted(set(notes) - set(common))
    if stray:
        raise KindDefinitionError(f"notes for strings that are not in common: {', '.join(stray)}")
    return KindBook(kinds=kinds, enums=enums, common=common, notes=notes)


@lru_cache(maxsize=1)
def default_kind_book() -> KindBook:
    """The kinds shipped with civicast, read once."""
    return load_kind_book()
