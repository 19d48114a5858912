"""Fixtures of the console's office-page tests: the app on the test database with a small FAQ."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.conversation.faq_files import read_faq_files, seed_faq
from bot.database import upgrade_database
from bot.office.accounts import create_officer
from bot.office.services import Services
from bot.settings import load_settings
from tests.support.console_pages import FAQ_KEYS, PASSWORDS
from tests.support.sandbox import free_port


@pytest.fixture(scope="module")
def faq_entries():
    return [entry for entry in read_faq_files() if entry["key"] in FAQ_KEYS]


@pytest.fixture
def services(config, faq_entries, engine):
    # Nothing listens on the sandbox port: a resident cannot be told, and the console says so.
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f"channels:\n  sandbox:\n    port: {free_port()}\n")
    services = Services(load_settings(config, environ={}))
    upgrade_database(services.engine)
    with services.session_factory.begin() as session:
        seed_faq(session, faq_entries)
        create_officer(session, "ad-wu", "admin", display_name="Wu", password=PASSWORDS["ad-wu"])
        create_officer(session, "ed-lin", "editor", display_name="Lin", password=PASSWORDS["ed-lin"])
    yield services
    services.close()


@pytest.fixture
def app(services):
    application = create_app(services.settings, services, resume_webhook_events=False)
    yield application
    application.extensions["civicast.webhook_executor"].shutdown(wait=True)
