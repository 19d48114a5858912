"""What a log line is about: the notice, the delivery and the web request in hand, as context variables.

The web application sets the request id for each request, a worker the notice and delivery around each
send; the JSON log formatter (``bot/logs.py``) writes whichever are set on every line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

NOTICE_ID: ContextVar[int | None] = ContextVar("civicast_notice_id", default=None)
DELIVERY_ID: ContextVar[str | None] = ContextVar("civicast_delivery_id", default=None)
REQUEST_ID: ContextVar[str | None] = ContextVar("civicast_request_id", default=None)
_FIELDS: dict[str, ContextVar[Any]] = {"notice_id": NOTICE_ID, "delivery_id": DELIVERY_ID, "request_id": REQUEST_ID}


@contextmanager
def log_context(
    *, notice_id: int | None = None, delivery_id: str | None = None, request_id: str | None = None
) -> Iterator[None]:
    """Lines logged inside the block carry these ids (those given; the others keep their values)."""
    given = {"notice_id": notice_id, "delivery_id": delivery_id, "request_id": request_id}
    tokens = [(_FIELDS[name], _FIELDS[name].set(value)) for name, value in given.items() if value is not None]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def current_ids() -> dict[str, int | str]:
    """The ids set here and now, by field name."""
    return {name: value for name, variable in _FIELDS.items() if (value := variable.get()) is not None}
