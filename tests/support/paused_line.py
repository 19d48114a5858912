"""civicast with LINE paused by its monthly quota, as it happens for real: the sandbox on 127.0.0.1 with a
``monthly_quota``, LINE residents, a sent notice and a real worker sending through line-bot-sdk until LINE
refuses and the worker pauses the channel."""

from __future__ import annotations

import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from bot.database import upgrade_database
from bot.office.services import Services
from bot.settings import load_settings
from scheduler.channel_status import WAITING_STATUSES
from scheduler.outbox import ChannelState, Delivery, DeliveryStatus, outstanding
from scheduler.sending import send_now
from tests.scheduler.conftest import add_residents, approved_notice
from tests.support.sandbox import free_port, set_faults, users


def write_config(tmp_path: Path, database_url: str, sandbox_port: int) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {sandbox_port}\n"
        "workers:\n  poll_s: 0.05\n  backoff_base_s: 0.05\n  backoff_max_s: 0.2\n",
        encoding="utf-8",
    )
    return config


class PausedLine:
    """The services on the test database and the sandbox they send to (``services.channels`` reach it)."""

    def __init__(self, tmp_path: Path, database_url: str, *, upgrade: bool = True) -> None:
        self.config = write_config(tmp_path, database_url, free_port())
        self.services = Services(load_settings(self.config, environ={}))
        if upgrade:
            upgrade_database(self.services.engine)
        self.sandbox = self.services.build_sandbox()
        self.sandbox.serve_in_thread("127.0.0.1", self.services.settings.channels.sandbox.port)

    def set_quota(self, monthly_quota: int | None) -> None:
        """Change LINE's monthly limit at run time, as the sandbox's operator would."""
        set_faults(self.sandbox, "line", monthly_quota=monthly_quota)

    def spend(self, messages: int) -> None:
        """Use ``messages`` of this month's quota as another sender would: multicasts to sandbox users."""
        url = f"http://127.0.0.1:{self.services.settings.channels.sandbox.port}/v2/bot/message/multicast"
        token = self.services.settings.channels.line.channel_access_token
        recipients = list(users(messages))
        for start in range(0, messages, 500):
            answer = requests.post(
                url,
                json={"to": recipients[start : start + 500], "messages": [{"type": "text", "text": "elsewhere"}]},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert answer.status_code == 200, answer.text

    def approved_notice(self, residents: int, *, prefix: int = 0) -> int:
        """``residents`` more English-speaking LINE residents, and a live notice approved for them, not sent."""
        with self.services.session_factory.begin() as session:
            add_residents(session, self.services.glossary, residents, language="en", prefix=prefix)
            return approved_notice(session, self.services.composer).id

    def line_faults(self, **faults: object) -> None:
        set_faults(self.sandbox, "line", **faults)

    def queue_notice(self, residents: int = 0, *, prefix: int = 0) -> int:
        """``residents`` more English-speaking LINE residents, and a live notice fanned out to everyone."""
        with self.services.session_factory.begin() as session:
            if residents:
                add_residents(session, self.services.glossary, residents, language="en", prefix=prefix)
            notice_id = approved_notice(session, self.services.composer).id
        send_now(self.services.dispatch, notice_id)
        return notice_id

    def _settled(self, *, want_paused: bool) -> bool:
        """Paused: LINE is paused, nothing is claimed and every other channel has sent what it had.
        Not paused: nothing is left to send."""
        with self.services.session_factory() as session:
            if not want_paused:
                return outstanding(session) == 0
            state = session.get(ChannelState, "line")
            unsettled = session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(
                    (Delivery.status == DeliveryStatus.CLAIMED.value)
                    | ((Delivery.channel != "line") & Delivery.status.in_(WAITING_STATUSES))
                )
            )
            return bool(state and state.paused) and unsettled == 0

    def run_worker(self, *, until_paused: bool, timeout: float = 30.0) -> None:
        """A real worker sends until LINE's quota pauses the channel (or until everything is sent)."""
        worker = self.services.build_worker("paused-line-test-worker")
        worker.start()
        try:
            deadline = time.monotonic() + timeout
            while not self._settled(want_paused=until_paused):
                if time.monotonic() > deadline:
                    raise AssertionError("the worker did not get there in time")
                time.sleep(0.05)
        finally:
            worker.stop()

    def pause_line(self, *, quota: int, residents: int) -> int:
        """A notice to ``residents`` new residents, sent until LINE's ``quota`` pauses the channel."""
        self.set_quota(quota)
        notice_id = self.queue_notice(residents)
        self.run_worker(until_paused=True)
        return notice_id

    def close(self) -> None:
        self.sandbox.stop()
        self.services.close()
