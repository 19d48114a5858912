"""Dates and times as each language's officials write them, in Asia/Taipei.

The patterns are data (``messages/data/dates.yaml``, one entry per language); month and weekday names come from
Babel's CLDR locale data through those patterns.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path

from babel.dates import format_datetime

from messages.i18n import LANGUAGES, TAIPEI, Language
from messages.yaml_files import safe_load

DATES_FILE = Path(__file__).resolve().parent / "data" / "dates.yaml"

# The zero of each numbering system a pattern may ask for; the other digits follow it in Unicode.
_ZEROS = {"latn": "0", "mymr": "\u1040", "khmr": "\u17e0", "thai": "\u0e50"}


@dataclass(frozen=True)
class DatePatterns:
    date: str  # CLDR pattern
    time: str  # CLDR pattern
    datetime: str  # "{date} … {time}"
    digits: str = "latn"

    def __post_init__(self) -> None:
        if self.digits not in _ZEROS:
            raise ValueError(f"unknown numbering system {self.digits!r}; expected one of: {', '.join(_ZEROS)}")
        if sorted(_fields(self.datetime)) != ["date", "time"]:
            raise ValueError(f"datetime pattern {self.datetime!r} must use {{date}} and {{time}} once each")

    def localise_digits(self, text: str) -> str:
        zero = ord(_ZEROS[self.digits])
        if zero == ord("0"):
            return text
        return text.translate({ord("0") + n: zero + n for n in range(10)})


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def load_date_patterns(path: Path = DATES_FILE) -> dict[str, DatePatterns]:
    """Every language's patterns; a missing or unknown language is an error, not a silent fallback."""
    with path.open(encoding="utf-8") as handle:
        raw = safe_load(handle)
    if set(raw) != set(LANGUAGES):
        raise ValueError(f"{path.name} must list exactly the languages {sorted(LANGUAGES)}; it lists {sorted(raw)}")
    return {code: DatePatterns(**entry) for code, entry in raw.items()}


@lru_cache(maxsize=1)
def date_patterns() -> dict[str, DatePatterns]:
    return load_date_patterns()


def _render(moment: datetime, pattern: str, patterns: DatePatterns, language: Language) -> str:
    return patterns.localise_digits(format_datetime(moment, pattern, tzinfo=TAIPEI, locale=language.locale))


def format_datetime_for(value: datetime, language: Language) -> str:
    """A date with its weekday and a time, in Taipei: "12:00 on Thursday 3 October", "10月3日（週四）12:00"."""
    patterns = date_patterns()[language.code]
    local = value.astimezone(TAIPEI)
    return patterns.datetime.format(
        date=_render(local, patterns.date, patterns, language), time=_render(local, patterns.time, patterns, language)
    )


def format_date_for(value: date, language: Language) -> str:
    """A day with its weekday: "Thursday 3 October", "วันพฤหัสบดีที่ 3 ต.ค."."""
    patterns = date_patterns()[language.code]
    noon = datetime.combine(value, time(12), tzinfo=TAIPEI)  # a calendar day, no time zone shift
    return _render(noon, patterns.date, patterns, language)


def format_time_for(value: time, language: Language) -> str:
    """A time of day: "20:00", "20.00 น.", "8:00 PM"."""
    patterns = date_patterns()[language.code]
    moment = datetime.combine(date(2000, 1, 1), value.replace(tzinfo=None), tzinfo=TAIPEI)
    return _render(moment, patterns.time, patterns, language)
