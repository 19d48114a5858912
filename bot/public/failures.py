"""A notice that cannot be shown is logged once per version of it and place, not at every request: while it is
on air, every poll of a feed and every resident's visit would otherwise write the same traceback."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import datetime

log = logging.getLogger("bot.public")
REMEMBERED = 1024  # (notice version, place) pairs; the oldest is forgotten first


class NoticeFailures:
    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[object, ...], None] = OrderedDict()
        self._lock = threading.Lock()

    def report(self, place: str, notice_id: int | None, identifier: str, updated: datetime | None) -> None:
        """Call from the ``except`` block: the first time, the error is logged with its traceback."""
        key = (place, notice_id, identifier, updated)
        with self._lock:
            first = key not in self._seen
            self._seen[key] = None
            while len(self._seen) > REMEMBERED:
                self._seen.popitem(last=False)
        if first:
            log.exception("%s: notice %s (%s) cannot be shown; left out", place, notice_id, identifier)
        else:
            log.debug("%s: notice %s (%s) still cannot be shown", place, notice_id, identifier)
