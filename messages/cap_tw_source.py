"""The reading of one Taiwanese ``<info>`` that every event's reader starts from, and what a reader returns.

A reader (``messages.cap_tw_hazards``, ``messages.cap_tw_civic``) gets the chosen ``<info>`` and the Kaohsiung
districts its areas touch and returns an ``Interpretation``: the kind, the parameters it could fill from the
source (plain JSON values, times as ISO 8601 with +08:00), the districts and the kind's level. What a source does
not say plainly is left out, never guessed: the reader of the whole alert names the missing required parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from messages.cap_geography import Places, normalise
from messages.cap_read import CapInfo
from messages.i18n import TAIPEI
from messages.params import MAX_YEAR, MIN_YEAR
from messages.text import without_refused

NO_DISTRICT = "touches no Kaohsiung district"
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_HAN_NAME = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Source:
    """One ``<info>`` with what the reader already worked out about it."""

    info: CapInfo
    places: Places
    codes: frozenset[str]  # the Kaohsiung districts (town codes) its areas touch
    key_of: dict[str, str]  # town code -> glossary district key

    def text(self) -> str:
        return "\n".join(part for part in (self.info.headline, self.info.description, self.info.instruction) if part)

    def parameter(self, name: str) -> str | None:
        """A parameter by name, whatever its case: senders write both severity_level and Severity_level."""
        return next((value for key, value in self.info.parameters if key.lower() == name.lower()), None)

    def parameters(self, name: str) -> list[str]:
        return [value for key, value in self.info.parameters if key.lower() == name.lower()]

    def districts_param(self, codes: frozenset[str]) -> list[str]:
        """The value of a districts parameter: ["all"] for the whole city, else keys in the glossary's order."""
        if codes == self.places.all_codes:
            return ["all"]
        return [self.key_of[code] for code in self.places.codes_in_order(codes)]


@dataclass(frozen=True)
class Interpretation:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    codes: frozenset[str] = frozenset()
    level: str | None = None
    note: str | None = None  # why the alert is not usable although its kind is known
    no_district: str = NO_DISTRICT  # what to say when it touches no district


def cap_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(normalise(text).replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None  # a placeholder year (0001-01-01) is no time at all, and no parameter accepts it
    return parsed.replace(tzinfo=TAIPEI) if parsed.tzinfo is None else parsed


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(TAIPEI).isoformat(timespec="seconds") if moment else None


def day(moment: datetime | None) -> str | None:
    return moment.astimezone(TAIPEI).date().isoformat() if moment else None


def first_number(text: str | None) -> float | None:
    match = _NUMBER.search(normalise(text or ""))
    return float(match.group().replace(",", "")) if match else None


def native_name(text: str, *, han: bool = True) -> str | None:
    """A source's own name as a name parameter, without a Latin form: nothing translates it reliably. A name
    without Chinese characters (a section "78K+700~79K+000") reads the same in every language."""
    name = without_refused(normalise(text).replace("|", " "), multiline=False).strip()
    return name if name and (not han or _HAN_NAME.search(name)) else None


def compact(params: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in params.items() if value not in (None, "", [])}


def start_of(source: Source) -> datetime | None:
    return cap_time(source.info.onset) or cap_time(source.info.effective)
