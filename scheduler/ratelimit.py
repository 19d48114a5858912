"""A token bucket per channel, shared by the threads of one process.

Across processes each worker takes its configured share of the channel's
budget (``rate × share``), so N workers with share 1/N together stay within it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = max(1.0, burst if burst is not None else rate)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def acquire(self) -> float:
        """Take one token, waiting for it if needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1 - 1e-9:  # tolerance: float refills land a hair short of whole tokens
                    self._tokens = max(0.0, self._tokens - 1)
                    return waited
                wait = max((1 - self._tokens) / self.rate, 1e-4)
            self._sleep(wait)
            waited += wait

    def try_take(self) -> float:
        """Take one token without waiting: 0.0 if taken, else the seconds until one will be there."""
        with self._lock:
            self._refill()
            if self._tokens >= 1 - 1e-9:
                self._tokens = max(0.0, self._tokens - 1)
                return 0.0
            return max((1 - self._tokens) / self.rate, 1e-4)

    def drain(self) -> None:
        """Spend what is in the bucket: after a 429 the platform's own budget is evidently used up."""
        with self._lock:
            self._refill()
            self._tokens = 0.0
