"""Fault injection for the sandbox APIs: errors, rate limits, slowness and lost connections.

Set at start (from config) or at run time (``POST /sandbox/<api>/faults``).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Any


class DropConnection(Exception):
    """Raised by a sandbox app to make the server close the socket without answering."""


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
    _window: tuple[int, int] = (0, 0)  # (second, requests in it)
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
        if "seed" in changes and self.seed is not None:
            self._random.seed(self.seed)

    def roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def delay(self) -> None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)

    def over_rate_limit(self) -> bool:
        """Counts one send request; True when it exceeds the per-second limit."""
        if self.rate_limit_rps is None:
            return False
        now = int(time.monotonic())
        with self._lock:
            second, count = self._window
            count = count + 1 if second == now else 1
            self._window = (now, count)
            return count > self.rate_limit_rps
