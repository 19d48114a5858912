"""Checking and normalising a notice's parameters against its kind.

Raw values come from the CLI (strings), the API (JSON) or CAP ingest. Every
problem is collected, so one error names every offending parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from messages.glossary import WHOLE_CITY, Glossary, UnknownTerm
from messages.i18n import TAIPEI
from messages.kinds import Kind, KindBook, ParamType
from messages.refusal import Problem, Unreadable
from messages.text import nested_text_problems, text_problem
from messages.villages import Village, VillageList, VillageTable

_LIST_SPLIT = re.compile(r"\s*[,;、，；]\s*")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Name:
    """A proper name outside the glossary: its Chinese form and, optionally, its Latin form."""

    native: str
    latin: str | None = None

    @classmethod
    def parse(cls, value: Any) -> Name:
        if isinstance(value, Name):
            return value
        if isinstance(value, Mapping) and value.get("from") and value.get("to"):
            # A road section from one road to another, as the sign-writers join them: 和平一路至輔仁路.
            start, end = cls.parse(value["from"]), cls.parse(value["to"])
            return cls(native=f"{start.native}至{end.native}")
        if isinstance(value, Mapping):
            native = str(value.get("native") or value.get("zh") or "").strip()
            latin = str(value.get("latin") or value.get("en") or "").strip() or None
        else:
            native, _, latin_part = str(value).partition("|")
            native, latin = native.strip(), latin_part.strip() or None
        if not native and latin:
            native = latin
        if not native:
            raise Unreadable(Problem("is empty", "empty"))
        if latin is None and not _HAN.search(native):
            latin = native  # a name typed in Latin letters serves every language
        return cls(native=native, latin=latin)

    def __str__(self) -> str:
        return self.native if self.latin in (None, self.native) else f"{self.native}|{self.latin}"


class InvalidParameters(ValueError):
    """One or more parameters are missing, unknown or malformed."""

    def __init__(self, kind_id: str, errors: dict[str, str]) -> None:
        self.kind_id = kind_id
        self.errors = dict(errors)
        detail = "; ".join(f"{name}: {message}" for name, message in self.errors.items())
        super().__init__(f"invalid parameters for {kind_id}: {detail}")


MIN_YEAR, MAX_YEAR = 1970, 2100


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [v for v in value if str(v).strip()]
    return [part for part in _LIST_SPLIT.split(str(value).strip()) if part]


def parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip().replace(" ", "T", 1)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise Unreadable(
                Problem(f"{value!r} is not a date and time (use 2024-10-03T12:00)", "bad_time", value=str(value))
            ) from None
    # Notices concern the present: far-off years are typing mistakes, and year 1 cannot even be
    # converted between time zones.
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise Unreadable(
            Problem(
                f"{value!r} is outside the years {MIN_YEAR}–{MAX_YEAR}",
                "outside_years",
                value=str(value),
                least=MIN_YEAR,
                most=MAX_YEAR,
            )
        )
    return parsed.replace(tzinfo=TAIPEI) if parsed.tzinfo is None else parsed.astimezone(TAIPEI)


def parse_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Unreadable(Problem(f"{value!r} is not a date (use 2024-10-03)", "bad_date", value=str(value))) from None


def _parse_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise Unreadable(
            Problem(f"{value!r} is not a time of day (use 18:30)", "bad_time_of_day", value=str(value))
        ) from None


def _number(value: Any, *, integral: bool) -> Decimal:
    not_a_number = Unreadable(Problem(f"{value!r} is not a number", "not_a_number", value=str(value)))
    if isinstance(value, bool):
        raise not_a_number
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise not_a_number from None
    if not number.is_finite():
        raise not_a_number
    if integral and number != number.to_integral_value():
        raise Unreadable(Problem(f"{value!r} is not a whole number", "not_whole", value=str(value)))
    return number


class ParamChecker:
    """Turns raw parameter values into typed ones, naming every problem at once."""

    def __init__(self, book: KindBook, glossary: Glossary) -> None:
        self.book = book
        self.glossary = glossary
        self._villages: VillageTable | None = None

    def _one(self, kind: Kind, name: str, raw: Any, earlier: Mapping[str, Any]) -> Any:
        param = kind.params[name]
        match param.type:
            case ParamType.VILLAGES:
                if self._villages is None:
                    self._villages = VillageTable.default(self.glossary)
                # The notice's districts (declared before its villages) say which 復興里 is meant.
                districts = districts_of(kind, earlier)
                villages = self._villages.parse(_as_list(raw), districts)
                if not villages:
                    raise Unreadable(Problem("needs at least one village", "none_chosen"))
                named = {village.district for village in villages}
                whole = [] if param.within else [d for d in districts if d != WHOLE_CITY and d not in named]
                return VillageList(villages, whole)
            case ParamType.DISTRICTS:
                values = _as_list(raw)
                if not values:
                    raise Unreadable(Problem("needs at least one district, or 'all'", "none_chosen"))
                return self.glossary.resolve_districts(values)
            case ParamType.DISTRICT:
                return self.glossary.resolve("district", str(raw))
            case ParamType.NAME:
                return Name.parse(raw)
            case ParamType.NAMES:
                names = [Name.parse(v) for v in _as_list(raw)]
                if not names:
                    raise Unreadable(Problem("needs at least one name", "none_chosen"))
                return names
            case ParamType.ENUM:
                assert param.enum is not None  # the kind's loader refuses an enum parameter without its enum
                allowed = self.book.enums[param.enum]
                value = str(raw).strip()
                if value not in allowed:
                    raise Unreadable(
                        Problem(f"must be one of {', '.join(allowed)} (got {value!r})", "not_a_choice", value=value)
                    )
                return value
            case ParamType.GLOSSARY:
                assert param.group is not None  # the kind's loader refuses a glossary parameter without its group
                return self.glossary.resolve(param.group, str(raw))
            case ParamType.GLOSSARY_LIST:
                group = param.group
                assert group is not None  # as above
                keys = [self.glossary.resolve(group, str(v)) for v in _as_list(raw)]
                if not keys:
                    raise Unreadable(Problem(f"needs at least one {param.group}", "none_chosen"))
                return keys
            case ParamType.INT | ParamType.NUMBER:
                number = _number(raw, integral=param.type is ParamType.INT)
                if param.minimum is not None and number < Decimal(str(param.minimum)):
                    raise Unreadable(
                        Problem(f"must be at least {param.minimum} (got {raw})", "too_small", minimum=param.minimum)
                    )
                if param.maximum is not None and number > Decimal(str(param.maximum)):
                    raise Unreadable(
                        Problem(f"must be at most {param.maximum} (got {raw})", "too_large", maximum=param.maximum)
                    )
                return int(number) if param.type is ParamType.INT else number
            case ParamType.DATETIME:
                return parse_datetime(raw)
            case ParamType.DATE:
                return parse_date(raw)
            case ParamType.DATES:
                dates = sorted({parse_date(v) for v in _as_list(raw)})
                if not dates:
                    raise Unreadable(Problem("needs at least one date", "none_chosen"))
                return dates
            case ParamType.TIME:
                return _parse_time(raw)
        raise AssertionError(f"unhandled parameter type {param.type}")

    def check(self, kind: Kind, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values for every given parameter; raises InvalidParameters naming all problems."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name in raw:
            if name not in kind.params:
                known = ", ".join(kind.params) or "none"
                shown = ascii(name) if text_problem(str(name)) else name
                errors[shown] = Problem(f"unknown parameter (parameters of {kind.id}: {known})", "unknown_parameter")
        for name, param in kind.params.items():
            value = raw.get(name)
            if value is None or (isinstance(value, (str, list, tuple)) and not value):
                if param.required:
                    errors[name] = Problem("is required", "required")
                continue
            refused = nested_text_problems(value, name)
            if refused:
                errors[name] = next(iter(refused.values()))
                continue
            try:
                values[name] = self._one(kind, name, value, values)
            except Unreadable as exc:
                errors[name] = exc.problem
            except UnknownTerm as exc:
                errors[name] = unknown_term(exc)
            except ValueError as exc:
                errors[name] = str(exc)
        for name, param in kind.params.items():
            if param.after and name in values and param.after in values and values[name] < values[param.after]:
                errors[name] = Problem(
                    f"must not be earlier than {param.after} ({values[param.after].isoformat()})",
                    "earlier_than",
                    at=values[param.after],
                )
        if errors:
            raise InvalidParameters(kind.id, errors)
        return values


def unknown_term(exc: UnknownTerm) -> Problem:
    """A name the glossary does not know, as a field's problem: a district is named as one."""
    if exc.group == "district":
        return Problem(str(exc), "unknown_district", value=exc.value)
    return Problem(str(exc), "unknown_term", value=exc.value)


def to_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values as JSON the database stores and ParamChecker.check reads back."""

    def encode(value: Any) -> Any:
        if isinstance(value, list):
            return [encode(v) for v in value]
        if isinstance(value, (Name, Village)):
            return str(value)
        if isinstance(value, (datetime, date, time)):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    return {name: encode(value) for name, value in values.items()}


def districts_of(kind: Kind, values: Mapping[str, Any]) -> list[str]:
    """The districts a notice concerns: its district parameters, or the whole city."""
    keys: list[str] = []
    for name, param in kind.params.items():
        if name not in values:
            continue
        if param.type is ParamType.DISTRICTS:
            if WHOLE_CITY in values[name]:
                return [WHOLE_CITY]
            keys.extend(k for k in values[name] if k not in keys)
        elif param.type is ParamType.DISTRICT and values[name] not in keys:
            keys.append(values[name])
    return keys or [WHOLE_CITY]
