"""civicast's web application and the sandbox, both really serving on 127.0.0.1, for the bot's tests."""

from __future__ import annotations

import time

import pytest
import requests
from werkzeug.serving import make_server

from bot.app import create_app
from bot.channel_settings import SANDBOX_SECRETS
from bot.cli.main import main
from bot.conversation.engine import ConversationEngine
from bot.conversation.faq import FaqIndex
from bot.conversation.faq_files import seed_if_empty
from bot.conversation.texts import BotTexts
from bot.office.services import Services
from bot.settings import load_settings
from channels.sandbox import Sandbox
from tests.support.sandbox import free_port
from tests.support.serving import serve_in_background


class BotStack:
    """The app (webhooks) on one port, the sandbox (LINE + Graph) on another, wired to each other."""

    def __init__(self, tmp_path, database_url):
        self.sandbox_port = free_port()
        config = tmp_path / "config.yaml"
        config.write_text(
            f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
            f"channels:\n  sandbox:\n    port: {self.sandbox_port}\n",
            encoding="utf-8",
        )
        self.services = Services(load_settings(config, environ={}))
        from bot.conversation.faq_files import seed_if_empty
        from bot.database import upgrade_database

        upgrade_database(self.services.engine)
        seed_if_empty(self.services.session_factory)
        self.app = create_app(self.services.settings, self.services)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        serve_in_background(self.server)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.sandbox = Sandbox.create(
            line_access_token=SANDBOX_SECRETS["line.channel_access_token"],
            line_channel_secret=SANDBOX_SECRETS["line.channel_secret"],
            facebook_page_id="sandbox-page",
            facebook_page_token=SANDBOX_SECRETS["facebook.page_access_token"],
            webhook_url=f"{self.url}/webhooks/line",
        )
        self.sandbox.serve_in_thread("127.0.0.1", self.sandbox_port)
        self.sandbox_url = self.sandbox.url

    def close(self):
        self.server.shutdown()
        self.sandbox.stop()
        self.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
        self.services.close()

    # ------------------------------------------------------------------ a resident's side

    def simulate(self, **event):
        response = requests.post(f"{self.sandbox_url}/sandbox/line/simulate", json=event, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def inbox(self, user):
        return requests.get(f"{self.sandbox_url}/sandbox/line/inbox/{user}", timeout=5).json()["messages"]

    def wait_for_messages(self, user, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.inbox(user)
            if len(messages) >= count:
                return messages
            time.sleep(0.05)
        raise AssertionError(f"{user} has {len(self.inbox(user))} messages, expected {count}")

    def converse(self, user, **event):
        """Send one event and return the bot's answers to it (the messages that arrived after it).

        Every event a test sends this way is answered; the generous wait is for a loaded machine, not a slow bot."""
        before = len(self.inbox(user))
        self.simulate(userId=user, **event)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            messages = self.inbox(user)
            if len(messages) > before:
                time.sleep(0.15)  # a reply carries all its messages at once; let it land
                return [m["message"] for m in self.inbox(user)[before:]]
            time.sleep(0.05)
        raise AssertionError(f"{user} got no answer to {event} within 30 s")


@pytest.fixture
def stack(tmp_path, database_url, engine):
    bot = BotStack(tmp_path, database_url)
    yield bot
    bot.close()


@pytest.fixture
def config(tmp_path, monkeypatch, database_url):
    """A configuration file on the test database, chosen through $CIVICAST_CONFIG as an operator would."""
    path = tmp_path / "config.yaml"
    path.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    monkeypatch.setenv("CIVICAST_CONFIG", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return path


@pytest.fixture
def services(config):
    """Services on the configured test database, migrated by `civicast db upgrade` as an operator would."""
    assert main(["db", "upgrade"]) == 0
    built = Services(load_settings(config, environ={}))
    yield built
    built.close()


@pytest.fixture
def conversation_engine(session_factory, catalogs, glossary, composer):
    """The conversation engine on the test database, called directly (no webhook), the shipped FAQ seeded."""
    seed_if_empty(session_factory)
    return ConversationEngine(
        session_factory=session_factory,
        texts=BotTexts(catalogs),
        glossary=glossary,
        composer=composer,
        faq=FaqIndex(session_factory),
    )
