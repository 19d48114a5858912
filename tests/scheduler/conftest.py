"""Residents, notices and a dispatch on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from channels.base import Audience, ChannelLimits
from messages.i18n import LANGUAGES
from messages.models import Notice, NoticeStatus
from scheduler.audience import ALL_TOPICS, Subscriber, district_mask, topic_mask
from scheduler.sending import Dispatch
from tests.support.sandbox import sandbox, sandbox_server  # noqa: F401 - shared fixtures

LINE = ChannelLimits(max_recipients=500, max_messages=5, max_text_length=5000, requests_per_second=200)
PAGE = ChannelLimits(
    max_recipients=0, max_messages=1, max_text_length=60000, requests_per_second=1, audience=Audience.PUBLIC
)


def add_residents(
    session,
    glossary,
    count: int,
    *,
    prefix: int = 0,
    language: str | None = None,
    topics=("disaster", "health", "transport"),
    districts=None,
    status="active",
    test_recipient=False,
) -> list[str]:
    """``count`` LINE residents; returns their user ids."""
    now = datetime.now(UTC)
    languages = list(LANGUAGES)
    ids = [f"U{prefix:08x}{i:024x}" for i in range(count)]
    rows = [
        {
            "channel": "line",
            "platform_user_id": user,
            "language": language or languages[i % len(languages)],
            "topics": topic_mask(topics) if topics else ALL_TOPICS,
            "districts": district_mask(glossary, districts) if districts else 0,
            "whole_city": not districts,
            "status": status,
            "test_recipient": test_recipient,
            "created_at": now,
            "updated_at": now,
        }
        for i, user in enumerate(ids)
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(Subscriber), rows[start : start + 5000])
    return ids


def approved_notice(session, composer, kind="typhoon_land_warning", *, training=False, **params) -> Notice:
    notice = composer.new_notice(
        kind, {**composer.kinds.get(kind).example_params, **params}, training=training, author="editor-a"
    )
    notice.status = NoticeStatus.APPROVED
    notice.approver = "approver-b"
    session.add(notice)
    session.flush()
    return notice


@pytest.fixture
def dispatch(session_factory, composer, glossary):
    return Dispatch(
        session_factory=session_factory,
        composer=composer,
        glossary=glossary,
        localiser=None,
        channels={"line": LINE, "facebook": PAGE},
        languages=tuple(LANGUAGES),
    )


def leader_lock_backend(connection) -> int | None:
    """The PostgreSQL backend (pid) holding this schema's scheduler leader lock, if any."""
    from sqlalchemy import text

    from scheduler.leadership import LEADER_LOCK_KEY

    return connection.execute(
        text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = CAST(:key AS int8) "
            "AND objid = hashtext(current_schema())::int8 & 4294967295 AND objsubid = 2 AND granted"
        ),
        {"key": LEADER_LOCK_KEY},
    ).scalar()


def terminate_backend(engine, pid: int) -> None:
    from sqlalchemy import text

    with engine.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
