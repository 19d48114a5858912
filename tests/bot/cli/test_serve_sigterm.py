"""`civicast serve` stopped with SIGTERM in the middle of a fan-out: what was in flight finishes, what was claimed
goes back, and a restart delivers the rest: every resident gets the notice once.

The sandbox runs as `civicast sandbox` of its own, so that its inboxes outlive both serve processes (serve uses
the sandbox it finds on its port). LINE is throttled to 2 requests a second, so the notice's dozen multicasts
take several seconds."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from bot.demo import seed_residents
from bot.office import desk, drafts
from bot.office.confirmation import Confirmation
from bot.office.services import Services
from bot.settings import load_settings
from scheduler.outbox import Delivery, DeliveryStatus, outstanding
from tests.bot.cli.test_processes import CIVICAST, wait_for
from tests.support.officers import officers
from tests.support.sandbox import free_port

pytestmark = pytest.mark.serial

RESIDENTS = 360
GRACEFUL_TIMEOUT_S = 10


@pytest.fixture
def stack(tmp_path, database_url):
    """A configuration, its `civicast sandbox` running, and the services this test acts through. On PostgreSQL
    too, `civicast serve` is embedded here: its scheduler holds the advisory lock until SIGTERM."""
    sandbox_port, web_port = free_port(), free_port()
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database:\n  url: {json.dumps(database_url)}\n"
        "translation:\n  engine: none\n"
        f"web:\n  embedded: true\n  graceful_timeout_s: {GRACEFUL_TIMEOUT_S}\n"
        "workers:\n  claim_batch: 4\n  poll_s: 0.2\n"
        f"channels:\n  sandbox:\n    port: {sandbox_port}\n  line:\n    requests_per_second: 2\n",
        encoding="utf-8",
    )
    sandbox = subprocess.Popen(
        [CIVICAST, "--config", str(path), "sandbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    services = Services(load_settings(path, environ={}))
    try:
        wait_for(f"http://127.0.0.1:{sandbox_port}/sandbox")
        yield path, web_port, services
    finally:
        services.close()
        sandbox.terminate()
        sandbox.wait(timeout=10)


def serve(path, port):
    process = subprocess.Popen(
        [CIVICAST, "--config", str(path), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for(f"http://127.0.0.1:{port}/healthz", timeout_s=40)
    return process


def send_to_residents(services: Services) -> int:
    """Residents, and a typhoon warning written by one officer and approved and sent by another: the number of
    LINE residents it goes to."""
    seed_residents(services, RESIDENTS)
    actors = officers(services.session_factory, chen="editor", lin="approver")
    kind = services.kinds.get("typhoon_land_warning")
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        data = drafts.NoticeInput(
            kind=kind.id, params=kind.example_params, effective=now, expires=now + timedelta(hours=3)
        )
        notice = drafts.compose_notice(session, services.composer, actors["chen"], data, now=now)
        desk.submit_notice(
            session, actors["chen"], notice.id, glossary=services.glossary, channels=services.channel_limits, now=now
        )
        notice_id = notice.id
    desk.approve_notice(services.dispatch, actors["lin"], notice_id)
    fanout = desk.send_notice_now(
        services.dispatch,
        actors["lin"],
        notice_id,
        channels=services.channel_limits,
        confirmation=Confirmation(confirmed=True, typed_number=str(notice_id)),  # a city-wide Extreme notice
    )
    return sum(fanout.recipients["line"].values())


def line_summary(services: Services) -> dict:
    return requests.get(f"{services.settings.channels.sandbox.url}/sandbox/line/summary", timeout=5).json()


def count(services: Services, status: DeliveryStatus) -> int:
    with services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == status.value))


def wait_until(condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_sigterm_mid_fan_out_then_a_restart_delivers_the_rest_once(stack):
    path, port, services = stack
    first = serve(path, port)
    try:
        _sigterm_then_restart(path, port, services, first)
    finally:
        if first.poll() is None:  # the test failed before its SIGTERM: leave no server behind
            first.kill()
            first.communicate()


def _sigterm_then_restart(path, port, services: Services, first: subprocess.Popen) -> None:
    targeted = send_to_residents(services)
    assert targeted > 200  # those of the warning's districts, and those who follow the whole city
    wait_until(lambda: line_summary(services)["users"] > 0, timeout_s=30)

    first.send_signal(signal.SIGTERM)
    output, _ = first.communicate(timeout=GRACEFUL_TIMEOUT_S + 5)
    assert first.returncode == 0, output
    assert "using the sandbox already running" in output and "Traceback" not in output
    # Nothing is left claimed: what the worker held and had not sent went back to pending.
    assert count(services, DeliveryStatus.CLAIMED) == 0
    assert count(services, DeliveryStatus.PENDING) > 0, "the fan-out finished before SIGTERM"
    reached_before = line_summary(services)["users"]
    assert 0 < reached_before < targeted

    second = serve(path, port)
    try:

        def delivered() -> bool:
            with services.session_factory() as session:
                return outstanding(session, None) == 0

        wait_until(delivered, timeout_s=40)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.communicate(timeout=GRACEFUL_TIMEOUT_S + 5)
        except subprocess.TimeoutExpired:
            second.kill()
            second.communicate()
    assert second.returncode == 0
    summary = line_summary(services)
    assert summary["users"] == targeted
    assert summary["sends_per_user"] == {"1": targeted}
    assert summary["users_with_more_than_one"] == 0
