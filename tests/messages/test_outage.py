"""A dependency outage is logged once when it starts and summed up once when it ends."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from messages.outage import OutageLog


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_two_lines_however_many_polls_fail(caplog):
    caplog.set_level(logging.INFO, logger="civicast.test")
    clock = FakeClock()
    outage = OutageLog(logging.getLogger("civicast.test"), "database", "claiming line deliveries", clock=clock)
    outage.succeeded()  # nothing was wrong: nothing to say
    assert not caplog.records and not outage.down
    refused = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused\non port 5432"))
    for _ in range(412):
        outage.failed(refused)
        clock.now += 0.05
    assert outage.down
    clock.now += 0.3
    outage.succeeded()
    outage.succeeded()
    assert [record.levelname for record in caplog.records] == ["ERROR", "WARNING"]
    started, ended = (record.getMessage() for record in caplog.records)
    assert started.startswith("database unreachable while claiming line deliveries: OperationalError:")
    assert "\n" not in started and not caplog.records[0].exc_info  # one line, no traceback
    assert ended == ("database unreachable for 20.9 s; 412 polls failed (claiming line deliveries); it answers again")
    assert not outage.down


def test_a_second_outage_is_logged_again(caplog):
    caplog.set_level(logging.INFO, logger="civicast.test")
    clock = FakeClock()
    outage = OutageLog(logging.getLogger("civicast.test"), "database", "recording outcomes", unit="write", clock=clock)
    for _ in range(2):
        outage.failed(OperationalError("UPDATE", {}, OSError("gone")))
        clock.now += 2
        outage.succeeded()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 4 and messages[1] == messages[3]
    assert messages[1] == "database unreachable for 2.0 s; 1 write failed (recording outcomes); it answers again"
