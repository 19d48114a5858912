"""The whole system really running on 127.0.0.1 for browser tests: web app, sandbox LINE and Graph, a worker.

Officers and LINE residents are created directly in the database; the browser (Debian's Chromium,
driven by Playwright) does everything else as an officer would.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from werkzeug.serving import make_server

from bot.app import create_app
from bot.database import upgrade_database
from bot.office.accounts import create_officer
from bot.office.services import Services
from bot.settings import load_settings
from scheduler.audience import TOPIC_BITS, Subscriber, district_bit
from tests.support.sandbox import free_port
from tests.support.serving import serve_in_background

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT_DIR = Path(os.environ.get("CIVICAST_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output"))
PASSWORDS = {"ed-lin": "editor-password-2026", "ap-chen": "approver-password-2026", "ad-wu": "admin-password-2026"}
LANGUAGE_CYCLE = ["zh-Hant", "en", "vi", "id", "th", "fil", "ja", "ko", "ms", "km", "my", "zh-Hans"]


class ConsoleStack:
    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.sandbox_port = free_port()
        config = tmp_path / "config.yaml"
        config.write_text(
            f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
            f"channels:\n  sandbox:\n    port: {self.sandbox_port}\n",
            encoding="utf-8",
        )
        self.services = Services(load_settings(config, environ={}))
        upgrade_database(self.services.engine)
        with self.services.session_factory.begin() as session:
            for username, role in (("ed-lin", "editor"), ("ap-chen", "approver"), ("ad-wu", "admin")):
                create_officer(session, username, role, password=PASSWORDS[username])
        self.sandbox = self.services.build_sandbox()
        self.sandbox.serve_in_thread("127.0.0.1", self.sandbox_port)
        self.app = create_app(self.services.settings, self.services, resume_webhook_events=False)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        serve_in_background(self.server)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.worker = self.services.build_worker("browser-test-worker")
        self.worker.start()

    def add_residents(self, districts_by_user: dict[str, list[str]], *, test_recipient: bool = False) -> None:
        """LINE residents following every topic; an empty district list follows the whole city."""
        now = datetime.now(UTC)
        glossary = self.services.glossary
        rows = [
            {
                "channel": "line",
                "platform_user_id": user,
                "language": LANGUAGE_CYCLE[i % len(LANGUAGE_CYCLE)],
                "topics": sum(TOPIC_BITS.values()),
                "whole_city": not keys,
                "districts": sum(district_bit(glossary, key) for key in keys),
                "status": "active",
                "test_recipient": test_recipient,
                "created_at": now,
                "updated_at": now,
            }
            for i, (user, keys) in enumerate(districts_by_user.items())
        ]
        with self.services.session_factory.begin() as session:
            session.execute(insert(Subscriber), rows)

    def wait_for(self, condition, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        raise AssertionError("the condition did not come true in time")

    def close(self) -> None:
        self.worker.stop()
        self.server.shutdown()
        self.sandbox.stop()
        self.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
        self.services.close()


def launch_chromium(playwright):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium and chromium-driver")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
