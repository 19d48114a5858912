"""What an audit row says, in a form each interface can put into its own words: the English sentence (the
command line, the API and logs show it; it is a string wherever one is expected) with a stable ``code`` and the
``params`` it was made of, as ``messages.refusal`` does for refusals. The codes are the keys of the console's
``audit_said.<code>`` strings.

A parameter is stored with its kind, so that a reader knows what to do with it long after it was written:

- ``text``: words as someone typed them (a reason, a name, a username, an address, a notice's number): shown as is;
- ``number``: a figure; ``count``, the figure that chooses a plural form;
- ``time`` (an ISO timestamp), ``date`` (an ISO date), ``duration`` (whole seconds);
- ``languages``: language codes; ``districts``: district keys;
- ``codes``: identifiers (a field's name, an FAQ key), shown as code;
- ``word``: an enumerated word, ``Word``: the console string its key names (a status, a role, a kind);
- ``said``: another ``Said``, nested (what one part of a sentence says).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from messages.plurals import counted


@dataclass(frozen=True)
class Word:
    """An enumerated word: the console string ``prefix + value`` (``Word("status.", "sent")``)."""

    prefix: str
    value: str

    @property
    def key(self) -> str:
        return f"{self.prefix}{self.value}"


@dataclass(frozen=True)
class Codes:
    """Identifiers, shown as they are written (a notice's field names, an FAQ entry's key)."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Languages:
    """Language codes, named in the reader's language."""

    codes: tuple[str, ...]


@dataclass(frozen=True)
class Districts:
    """District keys, named by the glossary in the reader's language."""

    keys: tuple[str, ...]


class Said(str):
    """An English sentence (it is a string wherever one is expected) with a stable ``code`` and its ``params``."""

    code: str
    params: dict[str, Any]

    def __new__(cls, text: str, code: str, **params: Any) -> Said:
        said = super().__new__(cls, text)
        said.code, said.params = code, params
        return said

    def stored(self) -> dict[str, Any]:
        """JSON for the audit row's ``detail["said"]``: the code, each parameter and its kind."""
        params, kinds = {}, {}
        for name, value in self.params.items():
            kinds[name], params[name] = stored_param(name, value)
        return {"code": self.code, "params": params, "kinds": kinds}


def stored_param(name: str, value: Any) -> tuple[str, Any]:
    """(kind, JSON value) of one parameter."""
    if isinstance(value, Said):
        return "said", value.stored()
    if isinstance(value, bool):
        raise TypeError(f"{name}: say a yes or no with its own code, not a parameter")
    if isinstance(value, int):
        return ("count" if name == "count" else "number"), value
    if isinstance(value, datetime):
        return "time", value.isoformat()
    if isinstance(value, date):
        return "date", value.isoformat()
    if isinstance(value, timedelta):
        return "duration", round(value.total_seconds())
    if isinstance(value, Word):
        return "word", value.key
    if isinstance(value, Codes):
        return "codes", list(value.values)
    if isinstance(value, Languages):
        return "languages", list(value.codes)
    if isinstance(value, Districts):
        return "districts", list(value.keys)
    if isinstance(value, str):
        return "text", str(value)
    raise TypeError(f"{name}: {type(value).__name__} is not a parameter an audit row can keep")


def count_of(code: str, count: int, one: str, other: str) -> Said:
    """``5 deliveries``, ``1,200 rows`` (``one`` or ``other`` after the figure, as English says it)."""
    return Said(counted(count, one, other), code, count=count)


def joined(parts: Sequence[Said], *, separator: str = "; ") -> Said:
    """Parts said one after another: ``first; then`` (``separator`` ", ": ``first, then``), nested pairwise."""
    code = "joined" if separator == "; " else "listed"
    if not parts:
        raise ValueError("nothing to join")
    said = parts[-1]
    for part in reversed(parts[:-1]):
        said = Said(f"{part}{separator}{said}", code, first=part, then=said)
    return said


def codes_in(stored: dict[str, Any]) -> Iterable[tuple[str, set[str]]]:
    """Every (code, parameter names) in a stored ``Said``, nested ones included."""
    yield stored["code"], set(stored.get("params", {}))
    for name, kind in stored.get("kinds", {}).items():
        if kind == "said":
            yield from codes_in(stored["params"][name])
