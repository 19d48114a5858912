"""Fault injection for the sandbox APIs: errors, rate limits, slowness and lost connections.

Set at start (from config) or at run time (``POST /sandbox/<api>/faults``).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class DropConnection(Exception):
    """Raised by a sandbox app to make the server close the socket without answering."""


class Fault(StrEnum):
    """What the sandbox does to one request instead of answering it normally."""

    ERROR = "error"  # answered 500
    THROTTLE = "throttle"  # answered 429
    DROP = "drop"  # processed, then the connection is closed without an answer


# Where a sandbox app keeps the fault drawn for a request until it has processed it.
FAULT_ENVIRON_KEY = "civicast.sandbox.fault"


@dataclass
class Faults:
    error_rate: float = 0.0  # share of requests answered 500
    rate_429: float = 0.0  # share answered 429 "Too many requests"
    drop_rate: float = 0.0  # share whose connection is dropped after the request was processed
    latency_ms: float = 0.0  # added to every request
    rate_limit_rps: float | None = None  # send requests allowed per second (None: unlimited)
    monthly_quota: int | None = None  # messages per month (LINE counts one per recipient)
    seed: int | None = None
    _random: random.Random = field(default_factory=random.Random, repr=False)
    _bucket: tuple[float, float] | None = None  # (tokens, when) of the rate limit's token bucket
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._validate()
        if self.seed is not None:
            self._random.seed(self.seed)

    def _validate(self) -> None:
        for name in ("error_rate", "rate_429", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.error_rate + self.rate_429 + self.drop_rate > 1.0:
            raise ValueError("error_rate, rate_429 and drop_rate share the requests: together they must not exceed 1")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.rate_limit_rps is not None and self.rate_limit_rps <= 0:
            raise ValueError("rate_limit_rps must be positive (or null for no limit)")
        if self.monthly_quota is not None and self.monthly_quota < 0:
            raise ValueError("monthly_quota must not be negative")

    def settings(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def update(self, changes: dict[str, Any]) -> None:
        allowed = {f.name for f in fields(self) if not f.name.startswith("_")}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(
                f"unknown fault setting(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(allowed))}"
            )
        previous = self.settings()
        for name, value in changes.items():
            setattr(self, name, value)
        try:
            self._validate()
        except ValueError:
            for name, value in previous.items():
                setattr(self, name, value)
            raise
        if "rate_limit_rps" in changes:
            self._bucket = None
        if "seed" in changes and self.seed is not None:
            self._random.seed(self.seed)

    def draw(self) -> Fault | None:
        """The fault for the next request, from one draw of the seeded generator.

        One draw per request, whatever the outcome, so that with a seed the n-th request to
        arrive meets the same fault in every run, however the client's threads interleave.
        """
        if self.error_rate <= 0 and self.rate_429 <= 0 and self.drop_rate <= 0:
            return None
        with self._lock:
            value = self._random.random()
        for fault, rate in (
            (Fault.ERROR, self.error_rate),
            (Fault.THROTTLE, self.rate_429),
            (Fault.DROP, self.drop_rate),
        ):
            if value < rate:
                return fault
            value -= rate
        return None

    def delay(self) -> None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)

    def over_rate_limit(self) -> bool:
        """Spends a token for one send request; True when none is left.

        A token bucket holding one second's worth: a burst of ``rate_limit_rps`` requests, then
        that many per second, as "200 requests per second" is meant.
        """
        rate = self.rate_limit_rps
        if rate is None:
            return False
        now = time.monotonic()
        with self._lock:
            tokens, when = self._bucket if self._bucket else (rate, now)
            tokens = min(rate, tokens + (now - when) * rate)
            if tokens < 1:
                self._bucket = (tokens, now)
                return True
            self._bucket = (tokens - 1, now)
            return False
