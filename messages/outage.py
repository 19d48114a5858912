"""Logging a dependency outage once when it starts and once, with a summary, when it ends.

A loop polling a database that went away would otherwise log a traceback on every poll: a
20-second PostgreSQL restart wrote ~19,000 lines per worker. ``OutageLog`` turns that into two.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class OutageLog:
    """One dependency as seen by one loop: ``failed`` on every failed attempt, ``succeeded`` on every good one."""

    def __init__(
        self,
        logger: logging.Logger,
        dependency: str,
        doing: str,
        *,
        unit: str = "poll",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.dependency = dependency  # "database"
        self.doing = doing  # "claiming line deliveries"
        self.unit = unit  # what one attempt is called: "poll", "write"
        self.clock = clock
        self._started: float | None = None
        self._failures = 0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self._started is not None

    def failed(self, exc: BaseException) -> None:
        """An attempt failed: the first of an outage is logged (one line, no traceback); the rest are counted."""
        with self._lock:
            self._failures += 1
            if self._started is not None:
                return
            self._started = self.clock()
        detail = " ".join(str(exc).split())[:300]
        self.logger.error(
            "%s unreachable while %s: %s: %s (logged again when it is back)",
            self.dependency,
            self.doing,
            type(exc).__name__,
            detail,
        )

    def succeeded(self) -> None:
        """An attempt worked: if an outage was on, its summary is logged and it is over."""
        if not self.down:  # the usual case, without taking the lock
            return
        with self._lock:
            started, failures = self._started, self._failures
            self._started, self._failures = None, 0
        if started is None:  # another thread ended it meanwhile
            return
        lasted = self.clock() - started
        self.logger.warning(
            "%s unreachable for %.1f s; %d %s failed (%s); it answers again",
            self.dependency,
            lasted,
            failures,
            self.unit if failures == 1 else f"{self.unit}s",
            self.doing,
        )
