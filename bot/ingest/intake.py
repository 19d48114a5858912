"""Receiving alerts from the national platform: stored before anyone is answered, decided after.

Every path (push, the polled feeds, ``civicast cap import``) hands documents to ``AlertIntake.receive``: the
document is stored, raw, in one transaction (``ingest.receive``), then decided by the office's alert desk on
one thread in arrival order (an Update must not overtake its Alert). A document a process did not get to
decide (a crash, a restart) is still ``received``: the sweep at start, and at most once a minute after, picks
it up; claims keep two processes from deciding it twice.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy.orm import sessionmaker

from bot.office.alerts import AlertDesk, Decision
from ingest.models import Outcome
from ingest.receive import Received, store_document, waiting_incoming
from messages.cap_read import ReadLimits

log = logging.getLogger("civicast.alert_intake")
SWEEP_EVERY = timedelta(minutes=1)


class AlertIntake:
    def __init__(
        self,
        *,
        session_factory: sessionmaker,
        desk: Callable[[], AlertDesk],
        limits: ReadLimits,
        clock: Callable[[], datetime],
        push_secret: str = "",
        allow_from: tuple[str, ...] = (),
    ) -> None:
        self.session_factory = session_factory
        self._desk_factory = desk
        self._desk: AlertDesk | None = None
        self.limits = limits
        self.clock = clock
        self.push_secret = push_secret
        self.allow_from = tuple(ipaddress.ip_network(item, strict=False) for item in allow_from)
        self._executor: ThreadPoolExecutor | None = None
        self._swept_at: datetime | None = None

    @property
    def desk(self) -> AlertDesk:
        if self._desk is None:
            self._desk = self._desk_factory()
        return self._desk

    def address_allowed(self, address: str | None) -> bool:
        if not self.allow_from:
            return True
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self.allow_from)

    def receive(
        self, document: bytes, *, source: str, origin: str | None, truncated_from: int | None = None
    ) -> Received:
        """Store the document (committed on return) and queue it to be decided."""
        with self.session_factory.begin() as session:
            received = store_document(
                session,
                document,
                source=source,
                origin=origin,
                limits=self.limits,
                now=self.clock(),
                truncated_from=truncated_from,
            )
        if received.outcome is Outcome.RECEIVED:
            self._queue(received)
        if self._sweep_due():
            self._pool().submit(self.sweep)
        return received

    def receive_and_decide(
        self, document: bytes, *, source: str, origin: str | None
    ) -> tuple[Received, Decision | None]:
        """Store and decide in this thread (the command line, a feed poll): the decision, or None when the
        document was refused or a duplicate."""
        with self.session_factory.begin() as session:
            received = store_document(
                session, document, source=source, origin=origin, limits=self.limits, now=self.clock()
            )
        if received.outcome is not Outcome.RECEIVED:
            return received, None
        return received, self.desk.decide(received.incoming_id, received.alert)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cap-intake")
        return self._executor

    def _queue(self, received: Received) -> Future[Decision | None]:
        return self._pool().submit(self._decide, received.incoming_id, received)

    def _decide(self, incoming_id: int, received: Received | None = None) -> Decision | None:
        try:
            return self.desk.decide(incoming_id, received.alert if received else None)
        except Exception:  # the row stays claimed; the sweep decides it again once the claim is stale
            log.exception("incoming alert %s was not decided", incoming_id)
            return None

    def _sweep_due(self) -> bool:
        now = self.clock()
        if self._swept_at is not None and now - self._swept_at < SWEEP_EVERY:
            return False
        self._swept_at = now
        return True

    def sweep(self) -> int:
        """Decide documents received and left undecided (by this process or a dead one); how many."""
        with self.session_factory() as session:
            waiting = waiting_incoming(session, now=self.clock())
        for incoming_id in waiting:
            self._decide(incoming_id)
        return len(waiting)

    def start(self) -> None:
        """Decide, in the background, what a previous process stored and did not decide."""
        self._swept_at = self.clock()
        self._pool().submit(self.sweep)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until everything queued so far is decided (tests, the command line, shutdown)."""
        if self._executor is not None:
            self._executor.submit(lambda: None).result(timeout=timeout)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=False)
            self._executor = None
