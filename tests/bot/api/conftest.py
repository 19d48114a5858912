"""A real civicast app on the test database, officers with API keys, residents: driven through Flask's test client."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from bot.app import create_app
from bot.database import upgrade_database
from bot.office.accounts import create_officer
from bot.office.api_keys import create_api_key
from bot.office.services import Services
from bot.settings import load_settings
from scheduler.audience import ALL_TOPICS, Subscriber

DISTRICTS = ["苓雅區", "前鎮區"]


class ApiWorld:
    """The app with its services, and helpers to make officers, keys and residents."""

    def __init__(self, tmp_path, database_url: str, *, upgrade: bool = True, more_config: str = "") -> None:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n{more_config}", encoding="utf-8"
        )
        self.services = Services(load_settings(config, environ={}))
        if upgrade:
            upgrade_database(self.services.engine)
        self.app = create_app(self.services.settings, self.services, resume_webhook_events=False)
        self.client = self.app.test_client()

    def key(self, username: str, role: str, mode: str = "live") -> str:
        """A new officer (unless one of that name exists) and a new API key of theirs."""
        from bot.office.accounts import find_officer

        with self.services.session_factory.begin() as session:
            if find_officer(session, username) is None:
                create_officer(session, username, role)
            _key, secret = create_api_key(session, username, name=f"{username} {mode} key", mode=mode)
        return secret

    def residents(self, count: int = 300) -> None:
        from bot.demo import seed_residents

        seed_residents(self.services, count)

    def test_recipients(self, count: int, *, language: str = "en") -> list[str]:
        """LINE residents marked as test recipients, following every topic in the whole city."""
        now = datetime.now(UTC)
        ids = [f"Utest{index:027d}{language}" for index in range(count)]
        with self.services.session_factory.begin() as session:
            session.execute(
                insert(Subscriber),
                [
                    {
                        "channel": "line",
                        "platform_user_id": user,
                        "language": language,
                        "topics": ALL_TOPICS,
                        "districts": 0,
                        "whole_city": True,
                        "status": "active",
                        "test_recipient": True,
                        "label": "test",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for user in ids
                ],
            )
        return ids

    def example_params(self, kind: str = "typhoon_land_warning", **changes) -> dict:
        params = dict(self.services.kinds.get(kind).example_params)
        if "districts" in params:
            params["districts"] = list(DISTRICTS)
        params.update(changes)
        return params

    def close(self) -> None:
        self.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
        self.services.close()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _build(tmp_path, database_url: str, template) -> ApiWorld:
    prefix = "sqlite:///"
    if database_url.startswith(prefix):
        shutil.copyfile(template, database_url[len(prefix) :])
        return ApiWorld(tmp_path, database_url, upgrade=False)
    return ApiWorld(tmp_path, database_url)


@pytest.fixture
def world(tmp_path, database_url, migrated_sqlite):
    """The API on SQLite, and on PostgreSQL when CIVICAST_TEST_DATABASE_URL is set."""
    built = _build(tmp_path, database_url, migrated_sqlite)
    yield built
    built.close()


@pytest.fixture
def sqlite_world(tmp_path, migrated_sqlite):
    built = _build(tmp_path, f"sqlite:///{tmp_path / 'civicast.db'}", migrated_sqlite)
    yield built
    built.close()


def problem(response, status: int) -> dict:
    """The response's problem document, checked to be application/problem+json with the RFC 9457 members."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body
