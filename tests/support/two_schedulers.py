"""Two ``civicast scheduler`` processes on PostgreSQL and a notice recurring every minute, for the tests that cut
the leader's connection or kill it: the world they share and the minute boundaries they wait for."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.database import upgrade_database
from bot.office.services import Services
from bot.settings import load_settings
from messages.models import Notice, NoticeStatus
from scheduler.outbox import Delivery, DeliveryRecipients
from scheduler.sending import schedule
from tests.scheduler.conftest import add_residents, approved_notice, leader_lock_backend
from tests.scheduler.test_processes import Process, wait_for, write_config


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
        self.configs = {
            name: write_config(
                tmp_path / name, f"{database_url}&application_name=civicast-{name}", port, scheduler_poll_s=poll
            )
            for name, poll in poll_s.items()
        }
        self.services = Services(load_settings(self.configs["a"], environ={}))
        upgrade_database(self.services.engine)
        with self.services.session_factory.begin() as session:
            self.users = add_residents(session, self.services.glossary, residents)
        self.processes: dict[str, Process] = {}

    def start(self, *names: str) -> None:
        for name in names:
            self.processes[name] = Process(self.configs[name], "scheduler", log=self.tmp_path / f"scheduler-{name}.log")
        assert wait_for(
            lambda: (
                all("waiting to lead" in self.processes[name].text() for name in names) and self.leader() is not None
            ),
            timeout=60,
        ), self.logs()

    def leader(self) -> str | None:
        """Which process holds the leader lock now ("a" or "b"), from pg_locks."""
        with self.services.engine.connect() as connection:
            pid = leader_lock_backend(connection)
            if pid is None:
                return None
            name = connection.execute(
                text("SELECT application_name FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar()
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
            return list(
                session.scalars(
                    select(Notice).where(Notice.recurrence_of == template_id, Notice.occurrence_at == moment)
                )
            )

    def status(self, notice_id: int) -> NoticeStatus:
        with self.services.session_factory() as session:
            return session.get(Notice, notice_id).status

    def recipients(self, notice_id: int) -> Counter[str]:
        with self.services.session_factory() as session:
            lists = session.scalars(
                select(DeliveryRecipients.recipients)
                .join(Delivery)
                .where(Delivery.notice_id == notice_id, Delivery.channel == "line")
            )
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
def two_schedulers(tmp_path, postgres_schema_url, live_sandbox):  # noqa: F811 - the fixture imported with it
    made: list[TwoSchedulers] = []

    def make(**options) -> TwoSchedulers:
        made.append(TwoSchedulers(tmp_path, postgres_schema_url, live_sandbox, **options))
        return made[-1]

    yield make
    for world in made:
        world.close()
