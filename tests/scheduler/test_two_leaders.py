"""Two ``civicast scheduler`` processes on PostgreSQL and a notice recurring every minute: each occurrence reaches
each resident once, when the leader's connection is cut just before it and when the leader dies during its fan-out."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.database import upgrade_database
from bot.services import Services
from bot.settings import load_settings
from messages.models import Notice, NoticeStatus
from scheduler.outbox import Delivery, DeliveryRecipients
from scheduler.sending import schedule
from tests.scheduler.conftest import add_residents, approved_notice, leader_lock_backend, terminate_backend
from tests.scheduler.test_processes import Process, live_sandbox, wait_for, write_config  # noqa: F401 - fixture

pytestmark = pytest.mark.postgres


def next_minute(margin_s: float) -> datetime:
    """The next minute boundary at least ``margin_s`` seconds away, waiting past a nearer one."""
    while True:
        now = datetime.now(UTC)
        boundary = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        if (boundary - now).total_seconds() >= margin_s:
            return boundary
        time.sleep((boundary - now).total_seconds() + 0.2)


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


class TwoSchedulers:
    """Residents, and two scheduler processes told apart in PostgreSQL by their application_name."""

    def __init__(self, tmp_path, database_url, sandbox, *, residents: int, poll_s: dict[str, float]) -> None:
        port = sandbox.url.rsplit(":", 1)[1]
        self.tmp_path = tmp_path
        self.configs = {name: write_config(tmp_path / name, f"{database_url}&application_name=civicast-{name}", port,
                                           scheduler_poll_s=poll) for name, poll in poll_s.items()}
        self.services = Services(load_settings(self.configs["a"], environ={}))
        upgrade_database(self.services.engine)
        with self.services.session_factory.begin() as session:
            self.users = add_residents(session, self.services.glossary, residents)
        self.processes: dict[str, Process] = {}

    def start(self, *names: str) -> None:
        for name in names:
            self.processes[name] = Process(self.configs[name], "scheduler", log=self.tmp_path / f"scheduler-{name}.log")
        assert wait_for(lambda: all("waiting to lead" in self.processes[name].text() for name in names)
                        and self.leader() is not None, timeout=60), self.logs()

    def leader(self) -> str | None:
        """Which process holds the leader lock now ("a" or "b"), from pg_locks."""
        with self.services.engine.connect() as connection:
            pid = leader_lock_backend(connection)
            if pid is None:
                return None
            name = connection.execute(text("SELECT application_name FROM pg_stat_activity WHERE pid = :pid"),
                                      {"pid": pid}).scalar()
        return name.removeprefix("civicast-") if name else None

    def every_minute(self) -> int:
        with self.services.session_factory.begin() as session:
            notice = approved_notice(session, self.services.composer)
            schedule(session, notice.id, cron="* * * * *", now=datetime.now(UTC))
            return notice.id

    def once_at(self, moment: datetime) -> int:
        with self.services.session_factory.begin() as session:
            notice = approved_notice(session, self.services.composer)
            schedule(session, notice.id, at=moment, now=datetime.now(UTC))
            return notice.id

    def occurrences(self, template_id: int, moment: datetime) -> list[Notice]:
        with self.services.session_factory() as session:
            return list(session.scalars(select(Notice).where(Notice.recurrence_of == template_id,
                                                             Notice.occurrence_at == moment)))

    def status(self, notice_id: int) -> NoticeStatus:
        with self.services.session_factory() as session:
            return session.get(Notice, notice_id).status

    def recipients(self, notice_id: int) -> Counter[str]:
        with self.services.session_factory() as session:
            lists = session.scalars(select(DeliveryRecipients.recipients).join(Delivery).where(
                Delivery.notice_id == notice_id, Delivery.channel == "line"))
            return Counter(user for users in lists for user in users)

    def assert_each_resident_once(self, notice_id: int) -> None:
        received = self.recipients(notice_id)
        assert set(received) == set(self.users), f"notice {notice_id}: {len(received)} of {len(self.users)} reached"
        assert max(received.values()) == 1, f"notice {notice_id}: {sum(received.values()) - len(received)} twice"

    def logs(self) -> str:
        return "".join(f"--- {name}\n{process.text()}" for name, process in self.processes.items())

    def close(self) -> None:
        for process in self.processes.values():
            process.stop()
        self.services.close()


@pytest.fixture
def two_schedulers(tmp_path, postgres_schema_url, live_sandbox):  # noqa: F811 - the fixture imported above
    made: list[TwoSchedulers] = []

    def make(**options) -> TwoSchedulers:
        made.append(TwoSchedulers(tmp_path, postgres_schema_url, live_sandbox, **options))
        return made[-1]

    yield make
    for world in made:
        world.close()


def test_cutting_the_leaders_connection_before_an_occurrence_does_not_double_it(two_schedulers):
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
    assert wait_for(lambda: [o.status for o in world.occurrences(template_id, moment)] == [NoticeStatus.SENDING],
                    timeout=60), world.logs()
    time.sleep(3)  # room for a second attempt, were there one
    [occurrence] = world.occurrences(template_id, moment)
    world.assert_each_resident_once(occurrence.id)
    logs = world.logs()
    assert logs.count(f"notice {occurrence.id} fanned out") == 1, logs
    assert world.leader() == "b"
    old_log = world.processes["a"].text()
    # At the minute its APScheduler fired and the check before sending refused (unless its poll came first).
    assert (f"not sending notice {template_id}: this scheduler no longer leads" in old_log
            or "stepping down: the leader lock is gone" in old_log), old_log
    assert "lost the connection that holds the leader lock" in old_log and "Traceback" in old_log, old_log


def test_killing_the_leader_during_a_fan_out_leaves_the_next_leader_to_send_it_once(two_schedulers):
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
                return connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                    "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO deliveries%'"),
                    {"name": f"civicast-{leader}"}).scalar()

        assert wait_for(lambda: fanning_out() == 2, timeout=30, every=0.05), world.logs()
        world.processes[leader].stop(signal.SIGKILL)
    finally:
        holder.rollback()
        holder.close()
    assert wait_for(lambda: [o.status for o in world.occurrences(template_id, moment)] == [NoticeStatus.SENDING]
                    and world.status(one_off_id) == NoticeStatus.SENDING, timeout=60), world.logs()
    survivor = next(name for name in world.processes if name != leader)
    assert world.leader() == survivor
    [occurrence] = world.occurrences(template_id, moment)
    world.assert_each_resident_once(occurrence.id)
    world.assert_each_resident_once(one_off_id)
    logs = world.logs()
    assert logs.count(f"notice {occurrence.id} fanned out") == 1 and logs.count(f"notice {one_off_id} fanned out") == 1
