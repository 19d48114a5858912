"""The test list imported into the test database, and shelter_open notices as the desk leaves them once sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.office.accounts import Actor
from bot.office.models import Role
from messages.models import Notice, NoticeStatus
from tests.support.shelters import import_test_list

NOW = datetime(2026, 9, 1, 20, 0, tzinfo=UTC)
DUTY = Actor("ap-chen", Role.APPROVER, via="cli")


@pytest.fixture
def shelters(session_factory, glossary) -> dict[str, int]:
    """The test file's six good rows, stored: name → id."""
    return import_test_list(session_factory, glossary, now=NOW - timedelta(days=30))


def sent_shelter_notice(
    session_factory, shelter: str, district: str, *, sent_at=NOW - timedelta(hours=1), **fields
) -> int:
    """A shelter_open notice as it is once sent (live unless ``training=True``)."""
    values = {"status": NoticeStatus.SENT, "training": False, "expires": None, **fields}
    with session_factory.begin() as session:
        notice = Notice(
            kind="shelter_open",
            params={"shelter": shelter, "district": district, **values.pop("params", {})},
            districts=[district],
            topic="disaster",
            sent_at=sent_at,
            **values,
        )
        session.add(notice)
        session.flush()
        return notice.id
