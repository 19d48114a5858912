"""A stand-in for a real channel: it accepts what the real one would accept and sends nothing.

When civicast is live, the deliveries of notices made with a test API key go here instead of
LINE or Facebook: the integrator sees them sent (``simulated:<delivery id>``), no resident's
phone rings. In sandbox mode every channel is the sandbox already and this is not used.
"""

from __future__ import annotations

import threading

from channels.base import Batch, Channel, SendResult


class SimulatedChannel:
    def __init__(self, real: Channel) -> None:
        self.real = real
        self.name = real.name
        self.limits = real.limits  # the same batching and rates, so the simulation looks like the real thing
        self.sent = 0
        self._lock = threading.Lock()

    def send(self, batch: Batch) -> SendResult:
        check = getattr(self.real, "check", None)  # a channel that can refuse a batch without sending it
        if check is not None:
            check(batch)
        with self._lock:
            self.sent += 1
        return SendResult(platform_request_id=f"simulated:{batch.delivery_id}")
