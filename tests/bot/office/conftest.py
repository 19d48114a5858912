"""Services on the test database with officers and LINE residents, for the press office's rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from bot.office import desk, drafts
from bot.office.accounts import Actor
from bot.office.models import Role
from bot.office.services import Services
from bot.settings import load_settings
from messages.models import Notice
from scheduler.audience import TOPIC_BITS, Subscriber, district_bit

EDITOR = Actor("ed-lin", Role.EDITOR)
OTHER_EDITOR = Actor("ed-huang", Role.EDITOR)
APPROVER = Actor("ap-chen", Role.APPROVER)
SECOND_APPROVER = Actor("ap-wu", Role.APPROVER)
TEST_KEY_APPROVER = Actor("ap-chen", Role.APPROVER, via="api", key_mode="test", key_id="k" * 12)


@pytest.fixture
def services(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    yield services
    services.close()


NOW = datetime.now(UTC)


def typhoon(**overrides):
    """A typhoon land warning for Lingya as an officer fills it in; ``fields`` sets training, free text …"""
    params = {"typhoon_name": "山陀兒|Krathon", "intensity": "severe", "districts": ["lingya"]}
    fields = {"training": False, **overrides.pop("fields", {})}
    return drafts.NoticeInput("typhoon_land_warning", {**params, **overrides}, **fields)


def act(services, function, *args, **kwargs):
    """A desk function given a session, in a transaction of its own."""
    with services.session_factory.begin() as session:
        return function(session, *args, now=NOW, **kwargs)


def compose(services, actor=EDITOR, data=None):
    return act(services, drafts.compose_notice, services.composer, actor, data or typhoon()).id


def submit(services, notice_id, actor=EDITOR):
    return act(
        services, desk.submit_notice, actor, notice_id, glossary=services.glossary, channels=services.channel_limits
    )


def approve(services, actor, notice_id, **kwargs):
    return desk.approve_notice(services.dispatch, actor, notice_id, now=NOW, **kwargs)


def status(services, notice_id):
    with services.session_factory() as session:
        return session.get(Notice, notice_id).status


def add_residents(services, users: dict[str, list[str]], *, test_recipient: bool = False) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "channel": "line",
            "platform_user_id": user,
            "language": "en",
            "topics": sum(TOPIC_BITS.values()),
            "whole_city": not keys,
            "districts": sum(district_bit(services.glossary, k) for k in keys),
            "status": "active",
            "test_recipient": test_recipient,
            "created_at": now,
            "updated_at": now,
        }
        for user, keys in users.items()
    ]
    with services.session_factory.begin() as session:
        session.execute(insert(Subscriber), rows)
