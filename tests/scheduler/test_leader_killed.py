"""Two ``civicast scheduler`` processes on PostgreSQL and a notice recurring every minute: killing the leader
during an occurrence's fan-out leaves the next leader to send it, once to each resident."""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from sqlalchemy import text

from messages.models import NoticeStatus
from tests.scheduler.test_processes import live_sandbox, wait_for  # noqa: F401 - live_sandbox is a fixture
from tests.support.two_schedulers import next_minute, sleep_until, two_schedulers  # noqa: F401 - a fixture

pytestmark = pytest.mark.postgres


def test_killing_the_leader_during_a_fan_out_leaves_the_next_leader_to_send_it_once(two_schedulers):  # noqa: F811
    world = two_schedulers(residents=20_000, poll_s={"a": 0.5, "b": 0.5})
    world.start("a", "b")
    moment = next_minute(margin_s=12)
    template_id = world.every_minute()
    one_off_id = world.once_at(moment)
    leader = world.leader()
    holder = world.services.engine.connect()
    try:
        # Hold the outbox so the leader's fan-outs, once begun, stay open until it is killed.
        sleep_until(moment - timedelta(seconds=2))
        holder.execute(text("LOCK TABLE deliveries IN SHARE MODE"))

        def fanning_out() -> int:
            with world.services.engine.connect() as connection:
                return connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                        "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO deliveries%'"
                    ),
                    {"name": f"civicast-{leader}"},
                ).scalar()

        assert wait_for(lambda: fanning_out() == 2, timeout=30, every=0.05), world.logs()
        world.processes[leader].stop(signal.SIGKILL)
    finally:
        holder.rollback()
        holder.close()
    assert wait_for(
        lambda: (
            [o.status for o in world.occurrences(template_id, moment)] == [NoticeStatus.SENDING]
            and world.status(one_off_id) == NoticeStatus.SENDING
        ),
        timeout=60,
    ), world.logs()
    survivor = next(name for name in world.processes if name != leader)
    assert world.leader() == survivor
    [occurrence] = world.occurrences(template_id, moment)
    world.assert_each_resident_once(occurrence.id)
    world.assert_each_resident_once(one_off_id)
    logs = world.logs()
    assert logs.count(f"notice {occurrence.id} fanned out") == 1 and logs.count(f"notice {one_off_id} fanned out") == 1
