"""Factories for notices and localised notices used across the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from messages.compose import Composer
from messages.localised import LocalisedNotice
from messages.models import MsgType, Notice, NoticeStatus


def notice(composer: Composer, kind_id: str = "typhoon_land_warning", **params: Any) -> Notice:
    """An unsaved notice of a kind with its example parameters (overridden by ``params``)."""
    return composer.new_notice(kind_id, {**composer.kinds.get(kind_id).example_params, **params})


def localised(
    composer: Composer, kind_id: str = "typhoon_land_warning", lang: str = "en", *, notice_id: int = 7, **params: Any
) -> LocalisedNotice:
    item = notice(composer, kind_id, **params)
    item.id, item.identifier = notice_id, f"civicast-test-{notice_id}"
    return composer.compose(item, lang)


def saved_notice(
    session: Any,
    composer: Composer,
    kind_id: str = "typhoon_land_warning",
    *,
    status: NoticeStatus = NoticeStatus.SENT,
    sent_at: datetime | None = None,
    expires: datetime | None = None,
    training: bool = False,
    severity: str | None = None,
    msg_type: MsgType = MsgType.ALERT,
    **params: Any,
) -> Notice:
    """A notice stored in the database (flushed, not committed)."""
    item = notice(composer, kind_id, **params)
    item.status = status
    item.sent_at = sent_at or datetime.now(UTC) - timedelta(minutes=5)
    item.effective = item.sent_at
    item.expires = expires
    item.training = training
    item.severity = severity
    item.msg_type = msg_type
    session.add(item)
    session.flush()
    return item
