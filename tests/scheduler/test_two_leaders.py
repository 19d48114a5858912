"""Two ``civicast scheduler`` processes on PostgreSQL and a notice recurring every minute: cutting the leader's
connection just before an occurrence does not double it: each resident gets it once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from messages.models import NoticeStatus
from tests.scheduler.conftest import leader_lock_backend, terminate_backend
from tests.scheduler.test_processes import live_sandbox, wait_for  # noqa: F401 - live_sandbox is a fixture
from tests.support.two_schedulers import next_minute, sleep_until, two_schedulers  # noqa: F401 - a fixture

pytestmark = pytest.mark.postgres


def test_cutting_the_leaders_connection_before_an_occurrence_does_not_double_it(two_schedulers):  # noqa: F811
    # The leader polls its lock once a minute: its APScheduler is still running when the minute comes, and the
    # standby, polling every second, has taken the lock and started its own.
    world = two_schedulers(residents=3000, poll_s={"a": 60, "b": 1})
    template_id = world.every_minute()  # before the leader starts: its first tick, its only one here, takes it up
    world.start("a")
    world.start("b")
    assert world.leader() == "a"
    moment = next_minute(margin_s=8)
    sleep_until(moment - timedelta(seconds=4))
    with world.services.engine.connect() as connection:
        terminate_backend(world.services.engine, leader_lock_backend(connection))
    assert datetime.now(UTC) < moment
    assert wait_for(
        lambda: [o.status for o in world.occurrences(template_id, moment)] == [NoticeStatus.SENDING], timeout=60
    ), world.logs()
    time.sleep(3)  # room for a second attempt, were there one
    [occurrence] = world.occurrences(template_id, moment)
    world.assert_each_resident_once(occurrence.id)
    logs = world.logs()
    assert logs.count(f"notice {occurrence.id} fanned out") == 1, logs
    assert world.leader() == "b"
    old_log = world.processes["a"].text()
    # At the minute its APScheduler fired and the check before sending refused (unless its poll came first).
    assert (
        f"not sending notice {template_id}: this scheduler no longer leads" in old_log
        or "stepping down: the leader lock is gone" in old_log
    ), old_log
    assert "lost the connection that holds the leader lock" in old_log and "Traceback" in old_log, old_log
