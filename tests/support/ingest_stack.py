"""civicast's web application with CAP push on, the sandbox LINE API and a worker, really serving on 127.0.0.1."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import insert, select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.channel_settings import SANDBOX_SECRETS
from bot.office.services import Services
from bot.settings import load_settings
from channels.sandbox import Sandbox
from ingest.models import IncomingAlert
from scheduler.audience import TOPIC_BITS, Subscriber
from tests.support.sandbox import free_port
from tests.support.serving import serve_in_background

PUSH_SECRET = "test-push-secret-0123456789"
CAP_DATA = Path(__file__).resolve().parent.parent / "data" / "cap-tw-2019"


class IngestStack:
    """Push to ``push_url``; residents are sandbox LINE users with a language; ``worker`` delivers."""

    def __init__(self, tmp_path: Path, database_url: str, *, extra_config: str = "", worker: bool = True) -> None:
        self.sandbox_port = free_port()
        config = tmp_path / "config.yaml"
        config.write_text(
            f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
            f"cap:\n  ingest:\n    push_secret: {PUSH_SECRET}\n{extra_config}"
            f"channels:\n  sandbox:\n    port: {self.sandbox_port}\n  facebook:\n    enabled: false\n"
            "workers:\n  poll_s: 0.05\n",
            encoding="utf-8",
        )
        self.services = Services(load_settings(config, environ={}))
        from bot.database import upgrade_database

        upgrade_database(self.services.engine)
        self.sandbox = Sandbox.create(
            line_access_token=SANDBOX_SECRETS["line.channel_access_token"],
            line_channel_secret=SANDBOX_SECRETS["line.channel_secret"],
            facebook_page_id="sandbox-page",
            facebook_page_token=SANDBOX_SECRETS["facebook.page_access_token"],
        )
        self.sandbox.serve_in_thread("127.0.0.1", self.sandbox_port)
        self.app = create_app(self.services.settings, self.services)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        serve_in_background(self.server)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.push_url = f"{self.url}/ingest/cap/{PUSH_SECRET}"
        self.worker = self.services.build_worker("test") if worker else None
        if self.worker:
            self.worker.start()

    def close(self) -> None:
        if self.worker:
            self.worker.stop()
        self.server.shutdown()
        self.sandbox.stop()
        self.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
        self.services.close()

    def push(self, document: bytes) -> requests.Response:
        return requests.post(self.push_url, data=document, headers={"Content-Type": "application/xml"}, timeout=10)

    def settle(self) -> None:
        """Wait until every pushed document is decided."""
        self.services.alert_intake.wait_idle()

    def incoming(self) -> list[IncomingAlert]:
        with self.services.session_factory() as session:
            rows = list(session.scalars(select(IncomingAlert).order_by(IncomingAlert.id)))
            session.expunge_all()
            return rows

    def add_residents(self, users: dict[str, str], *, test_recipient: bool = False) -> None:
        """LINE residents (user id → language) following every topic in the whole city."""
        now = datetime.now(UTC)
        with self.services.session_factory.begin() as session:
            session.execute(
                insert(Subscriber),
                [
                    {
                        "channel": "line",
                        "platform_user_id": user,
                        "language": language,
                        "topics": sum(TOPIC_BITS.values()),
                        "whole_city": True,
                        "districts": 0,
                        "status": "active",
                        "test_recipient": test_recipient,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for user, language in users.items()
                ],
            )

    def inbox(self, user: str) -> list[dict]:
        return requests.get(f"{self.sandbox.url}/sandbox/line/inbox/{user}", timeout=5).json()["messages"]

    def wait_for_messages(self, user: str, count: int, timeout: float = 15.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.inbox(user)
            if len(messages) >= count:
                return messages
            time.sleep(0.05)
        raise AssertionError(f"{user} has {len(self.inbox(user))} messages, expected {count}")
