"""Separate processes: a worker killed mid-fan-out, two schedulers on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.channel_settings import SANDBOX_SECRETS
from bot.office.services import Services
from bot.settings import load_settings
from channels.sandbox import Faults, Sandbox
from messages.models import Notice, NoticeStatus
from scheduler.outbox import Delivery, DeliveryStatus, outstanding
from scheduler.sending import schedule, send_now
from tests.conftest import postgres_url_or_skip
from tests.scheduler.conftest import add_residents, approved_notice
from tests.support.sandbox import summary

CIVICAST = str(Path(sys.executable).parent / "civicast")


@pytest.fixture
def live_sandbox():
    sandbox = Sandbox.create(
        line_access_token=SANDBOX_SECRETS["line.channel_access_token"],
        line_channel_secret=SANDBOX_SECRETS["line.channel_secret"],
        facebook_page_id="sandbox-page",
        facebook_page_token=SANDBOX_SECRETS["facebook.page_access_token"],
        line_faults=Faults(latency_ms=25),
    )
    sandbox.serve_in_thread()
    yield sandbox
    sandbox.stop()


def write_config(tmp_path, database_url, sandbox_port, extra="", *, scheduler_poll_s=0.3):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database:\n  url: {database_url}\n"
        "translation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {sandbox_port}\n"
        "workers:\n  lease_s: 2\n  poll_s: 0.1\n  backoff_base_s: 0.1\n  backoff_max_s: 1\n"
        f"scheduler:\n  poll_s: {scheduler_poll_s}\n  misfire_grace_s: 60\n" + extra,
        encoding="utf-8",
    )
    return path


class Process:
    def __init__(self, config: Path, *args: str, log: Path) -> None:
        self.log = log
        self.handle = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [CIVICAST, "--config", str(config), *args],
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def text(self) -> str:
        return self.log.read_text()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.handle.close()


def wait_for(predicate, timeout=120.0, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def sent_count(services, notice_id):
    with services.session_factory() as session:
        return session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.notice_id == notice_id,
                Delivery.channel == "line",
                Delivery.status == DeliveryStatus.SENT.value,
            )
        )


def test_a_worker_killed_mid_fan_out_loses_nothing_and_repeats_nothing(tmp_path, database_url, engine, live_sandbox):
    config = write_config(tmp_path, database_url, live_sandbox.url.rsplit(":", 1)[1])
    services = Services(load_settings(config, environ={}))
    with services.session_factory.begin() as session:
        add_residents(session, services.glossary, 20_000)
        notice_id = approved_notice(session, services.composer).id
    batches = send_now(services.dispatch, notice_id).deliveries - 1  # 48 LINE batches and the page post
    first = Process(config, "worker", "--id", "doomed", log=tmp_path / "worker1.log")
    try:
        assert wait_for(lambda: sent_count(services, notice_id) >= 6), first.text()
    finally:
        first.stop(signal.SIGKILL)  # mid-fan-out, leases held, requests perhaps in flight
    assert sent_count(services, notice_id) < batches
    second = Process(config, "worker", "--id", "survivor", log=tmp_path / "worker2.log")
    try:

        def finished():
            with services.session_factory() as session:
                return outstanding(session, notice_id) == 0

        assert wait_for(finished), second.text()
    finally:
        second.stop()
    figures = summary(live_sandbox)
    assert figures["users"] == 20_000
    assert figures["users_with_more_than_one"] == 0, figures
    assert sent_count(services, notice_id) == batches
    services.close()


def test_two_schedulers_on_postgresql_fan_each_notice_out_once(tmp_path, postgres_schema_url, live_sandbox):
    postgres_url_or_skip()
    config = write_config(tmp_path, postgres_schema_url, live_sandbox.url.rsplit(":", 1)[1])
    services = Services(load_settings(config, environ={}))
    from bot.database import upgrade_database

    upgrade_database(services.engine)
    with services.session_factory.begin() as session:
        add_residents(session, services.glossary, 700, language="en")
    schedulers = [Process(config, "scheduler", log=tmp_path / f"scheduler{i}.log") for i in range(2)]
    try:
        assert wait_for(lambda: sum("leading" in s.text() for s in schedulers) == 1, timeout=60)

        def plan(seconds: float) -> int:
            with services.session_factory.begin() as session:
                notice = approved_notice(session, services.composer)
                schedule(session, notice.id, at=datetime.now(UTC) + timedelta(seconds=seconds), now=datetime.now(UTC))
                return notice.id

        first_wave = [plan(2), plan(3), plan(4)]

        def fanned_out(ids):
            with services.session_factory() as session:
                return all(session.get(Notice, i).status == NoticeStatus.SENDING for i in ids)

        assert wait_for(lambda: fanned_out(first_wave), timeout=60)
        leader = next(s for s in schedulers if "leading" in s.text())
        standby = next(s for s in schedulers if s is not leader)
        leader.stop(signal.SIGKILL)
        second_wave = [plan(3)]
        assert wait_for(lambda: "leading" in standby.text(), timeout=60)
        assert wait_for(lambda: fanned_out(second_wave), timeout=60)
        with services.session_factory() as session:
            for notice_id in first_wave + second_wave:
                rows = session.scalars(
                    select(Delivery).where(Delivery.notice_id == notice_id, Delivery.channel == "line")
                ).all()
                assert sum(r.recipient_count for r in rows) == 700, notice_id  # fanned out once, not twice
        logs = "".join(s.text() for s in schedulers)
        for notice_id in first_wave + second_wave:
            assert logs.count(f"notice {notice_id} fanned out") == 1
    finally:
        for process in schedulers:
            process.stop()
        services.close()
