"""The ``poll`` field of a new notice in the API: its options and when voting closes, checked for shape here (what
they mean is the workflow layer's: ``bot.office.polls``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.api.problems import invalid
from bot.office.polls import OptionInput
from messages.text import text_problem

POLL_FIELDS = ("options", "closes_at")
OPTION_FIELDS = ("phrase", "text")


def poll_input(value: Any) -> tuple[list[OptionInput], str]:
    """The options and the closing time of a ``poll`` field; a 422 naming each bad part (``poll.options.2``)."""
    errors: dict[str, str] = {}
    if not isinstance(value, Mapping):
        raise invalid({"poll": "must be an object with options and closes_at"})
    for name in value:
        if name not in POLL_FIELDS:
            errors[f"poll.{ascii(name) if text_problem(str(name)) else name}"] = (
                "unknown field (fields: closes_at, options)"
            )
    closes_at = value.get("closes_at")
    if not isinstance(closes_at, str) or not closes_at.strip() or len(closes_at) > 64:
        errors["poll.closes_at"] = "is required: an ISO 8601 date and time (Taipei time unless it carries an offset)"
    raw_options = value.get("options")
    options: list[OptionInput] = []
    if not isinstance(raw_options, list):
        errors["poll.options"] = 'must be an array of {"phrase": key} or {"text": words}'
        raw_options = []
    for number, raw in enumerate(raw_options, 1):
        where = f"poll.options.{number}"
        if not isinstance(raw, Mapping) or len(raw) != 1 or next(iter(raw)) not in OPTION_FIELDS:
            errors[where] = 'must be {"phrase": key} or {"text": words}'
        elif not isinstance(next(iter(raw.values())), str):
            errors[where] = "must be a string"
        elif "phrase" in raw:
            options.append(OptionInput(phrase_key=raw["phrase"]))
        else:
            options.append(OptionInput(text=raw["text"]))
    if errors:
        raise invalid(errors)
    return options, str(closes_at)
