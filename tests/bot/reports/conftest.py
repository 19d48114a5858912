"""The report tests' app on a real database, and its services."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.office.services import Services
from bot.settings import load_settings


@pytest.fixture
def app(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    yield create_app(services.settings, services, resume_webhook_events=False)
    services.close()


@pytest.fixture
def services(app):
    return app.extensions["civicast"]
