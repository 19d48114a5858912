"""Numbers in addresses: an id or a page number the database cannot hold finds nothing (404), never an error.

Ids are 32-bit integers in the database. Handed a bigger number, SQLite cannot bind it and PostgreSQL's
driver refuses it for the column, so the query would fail instead of finding nothing: such numbers are
stopped at the door, in the route itself and in ``?page=``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

from messages.db import MAX_ID

MAX_PAGE = 10_000_000  # far past any list's end, and (page - 1) × page size still fits an offset


def digits_up_to(limit: int) -> str:
    """A regular expression for exactly the numbers 1 … ``limit`` in plain digits, without leading zeros."""
    text = str(limit)
    choices = [f"[1-9][0-9]{{0,{len(text) - 2}}}"]  # every shorter number
    for position, digit in enumerate(text):  # as long as the limit: equal up to here, then a smaller digit
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            choices.append(f"{text[:position]}[{lowest}-{int(digit) - 1}][0-9]{{{len(text) - position - 1}}}")
    choices.append(text)
    return "(?:" + "|".join(choices) + ")"


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in every route of the application: 1 … MAX_ID in plain digits. The limit is in the pattern
    itself, so a bigger number matches no route for any method (a 404, never a 405 from a sibling route)."""

    regex = digits_up_to(MAX_ID)

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def page_number(value: str | None) -> int | None:
    """The page a ``?page=`` names: 1 when absent or empty, None unless 1 … MAX_PAGE in plain digits."""
    if value is None or value == "":
        return 1
    if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_PAGE)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_PAGE else None


def requested_page() -> int:
    """The request's ``page`` (query or form); any other value than a page number is 404."""
    number = page_number(request.values.get("page"))
    if number is None:
        abort(404)
    return number
