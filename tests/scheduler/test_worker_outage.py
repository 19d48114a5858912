"""A worker whose database is gone logs the outage once per loop, not once per poll, and sums it up after."""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import OperationalError

from messages.db import make_engine, make_session_factory
from scheduler.worker import WorkerSettings
from tests.scheduler.test_worker import FAST, make_worker

POLL_S = 0.01


def worker_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "civicast.worker"]


class CountingSessions:
    """A session factory that counts the transactions asked of it (each claim is one)."""

    def __init__(self, real) -> None:
        self.real = real
        self.asked = 0

    def begin(self):
        self.asked += 1
        return self.real.begin()

    def __call__(self):
        return self.real()


def test_an_unreachable_postgresql_writes_a_bounded_number_of_lines(sandbox, composer, caplog):
    caplog.set_level(logging.INFO, logger="civicast.worker")
    unreachable = make_engine("postgresql+psycopg://civicast@127.0.0.1:9/civicast", pool_pre_ping=False)
    sessions = CountingSessions(make_session_factory(unreachable))
    worker = make_worker(sandbox, sessions, composer, retry=FAST)
    worker.settings = WorkerSettings(worker_id="w", lease_s=5, poll_s=POLL_S, retry=FAST)
    try:
        worker.start()
        deadline = time.monotonic() + 10
        while sessions.asked < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.stop()
    finally:
        unreachable.dispose()
    assert sessions.asked >= 100  # the claimers met the outage a hundred times or more
    lines = worker_lines(caplog)
    assert len(lines) == len(worker.channels)  # one line per claiming loop, when the outage began
    assert all("database unreachable while claiming" in record.getMessage() and not record.exc_info for record in lines)


class FlakySessions:
    """The real session factory, refusing while ``down`` as a restarting database would."""

    def __init__(self, real) -> None:
        self.real = real
        self.down = True

    def begin(self):
        if self.down:
            raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))
        return self.real.begin()

    def __call__(self):
        return self.real()


def test_the_outage_is_summed_up_when_the_database_is_back(sandbox, session_factory, composer, caplog):
    caplog.set_level(logging.INFO, logger="civicast.worker")
    flaky = FlakySessions(session_factory)
    worker = make_worker(sandbox, flaky, composer, retry=FAST)
    worker.settings = WorkerSettings(worker_id="w", lease_s=5, poll_s=POLL_S, retry=FAST)
    worker.start()
    try:
        time.sleep(0.4)
        flaky.down = False
        time.sleep(0.3)
    finally:
        worker.stop()
    messages = [record.getMessage() for record in worker_lines(caplog)]
    assert len(messages) == 2 * len(worker.channels), messages
    summaries = [message for message in messages if "polls failed (claiming line deliveries)" in message]
    assert len(summaries) == 1 and summaries[0].startswith("database unreachable for 0.")
