"""Disaster mode: which LINE residents should see the disaster rich menu now, and the batches that switch them.

While a live notice (never a training or sandboxed one) of severity Severe or Extreme is active — sending or sent,
not expired, cancelled or superseded — the residents it reaches by district (those who follow one of its districts,
and those who follow the whole city; a whole-city notice reaches all) see the disaster menu in their language;
everyone else sees their language's normal menu. ``queue_menu_switches`` reconciles rather than reacts: on each
scheduler tick it compares what each resident should see with what they were last given (``rich_menu_target``)
and queues the difference as ``menu_switches`` rows of at most 500 user ids, one language and one menu each, which
``scheduler.menu_switch`` sends through LINE's bulk link endpoint like any delivery. Both steps are set-based SQL:
a million residents are a few grouped scans and updates, never a Python loop over everyone.

Layering: the menus' ids are data in ``line_rich_menus`` (defined here, below ``bot``); ``bot.richmenu`` draws and
creates the menus and writes the ids, and this module needs nothing from ``bot``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, and_, false, func, insert, or_, select, true, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from messages.db import Base, utcnow
from messages.glossary import Glossary
from messages.kinds import KindBook, Severity, UnknownKind
from messages.models import MsgType, Notice, NoticeStatus
from scheduler.audience import Subscriber, SubscriberStatus, catalog_language, notice_district_mask
from scheduler.outbox import IdList

log = logging.getLogger("civicast.menus")

LINE = "line"
BULK_LINK_MAX_USERS = 500  # LINE's limit for one bulk link request
DISASTER_SEVERITIES = frozenset({Severity.SEVERE, Severity.EXTREME})
ACTIVE_STATUSES = (NoticeStatus.SENDING.value, NoticeStatus.SENT.value)
ENDED_STATUSES = (NoticeStatus.CANCELLED.value, NoticeStatus.SUPERSEDED.value, NoticeStatus.EXPIRED.value)
ENDED_LOOKED_AT = 20  # the latest ended notices searched for the one whose end switches residents back
# After a batch LINE refused for good, its language's next batch to that menu waits this long: a menu deleted on
# LINE's side is not asked for again on every tick.
DEAD_SWITCH_PAUSE = timedelta(minutes=10)


class MenuKind(StrEnum):
    NORMAL = "normal"
    DISASTER = "disaster"


class MenuSwitchStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"  # LINE accepted the batch
    FAILED = "failed"  # will be retried
    DEAD = "dead"  # will not be retried


class LineRichMenu(Base):
    """A rich menu created on LINE: one per kind and language."""

    __tablename__ = "line_rich_menus"

    kind: Mapped[MenuKind] = mapped_column(String(16), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    rich_menu_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MenuSwitch(Base):
    """One bulk link request: up to 500 residents of one language to one menu, claimed and retried like a
    delivery. ``notice_id`` is the notice that caused it (the one that began or ended disaster mode for them)."""

    __tablename__ = "menu_switches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey(Notice.id, ondelete="SET NULL"), default=None)
    kind: Mapped[MenuKind] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    rich_menu_id: Mapped[str] = mapped_column(String(64))
    user_ids: Mapped[list[str]] = mapped_column(IdList())
    user_count: Mapped[int] = mapped_column(Integer, default=0)
    linked_count: Mapped[int] = mapped_column(Integer, default=0)  # those LINE accepted (still due the menu)
    status: Mapped[MenuSwitchStatus] = mapped_column(String(16), default=MenuSwitchStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_menu_switches_claim", "status", "next_attempt_at"),
        Index("ix_menu_switches_notice", "notice_id"),
    )


@dataclass(frozen=True)
class DisasterNotice:
    notice_id: int
    mask: int | None  # the districts' bit set; None: the whole city


def menu_ids(session: Session) -> dict[tuple[str, str], str]:
    """(kind, language) → LINE rich menu id, for the menus ``civicast line richmenu`` created."""
    return {
        (kind, language): menu_id
        for kind, language, menu_id in session.execute(
            select(LineRichMenu.kind, LineRichMenu.language, LineRichMenu.rich_menu_id)
        )
    }


def notice_severity(kinds: KindBook, kind: str, params: dict[str, Any] | None, severity: str | None) -> Severity | None:
    """The severity a notice went out with: the officer's (or source alert's), else its kind's level."""
    if severity:
        return Severity(severity)
    try:
        return kinds.get(kind).cap_for(params or {}).severity
    except UnknownKind:
        return None


def _live(query: Any) -> Any:
    return query.where(Notice.training.is_(False), Notice.sandboxed.is_(False), Notice.msg_type != MsgType.CANCEL.value)


def disaster_notices(session: Session, now: datetime, *, kinds: KindBook, glossary: Glossary) -> list[DisasterNotice]:
    """The active live notices of severity Severe or Extreme, oldest first (a handful, however many residents)."""
    rows = session.execute(
        _live(select(Notice.id, Notice.kind, Notice.params, Notice.severity, Notice.districts))
        .where(Notice.status.in_(ACTIVE_STATUSES), or_(Notice.expires.is_(None), Notice.expires > now))
        .order_by(Notice.sent_at, Notice.id)
    ).all()
    return [
        DisasterNotice(notice_id, notice_district_mask(glossary, districts or []))
        for notice_id, kind, params, severity, districts in rows
        if notice_severity(kinds, kind, params, severity) in DISASTER_SEVERITIES
    ]


def covered(notices: Iterable[DisasterNotice]) -> Any:
    """The SQL condition "this subscriber is in disaster mode" for these notices."""
    masks = [notice.mask for notice in notices]
    if not masks:
        return false()
    if any(mask is None for mask in masks):
        return true()
    union = 0
    for mask in masks:
        union |= mask or 0
    return or_(Subscriber.whole_city.is_(True), Subscriber.districts.op("&")(union) != 0)


def in_disaster_mode(session: Session, user_ids: Iterable[str], notices: list[DisasterNotice]) -> set[str]:
    """Which of these LINE residents should see the disaster menu now (for the bot, when it links menus itself)."""
    wanted = sorted(set(user_ids))
    if not wanted or not notices:
        return set()
    query = select(Subscriber.platform_user_id).where(
        Subscriber.channel == LINE, Subscriber.platform_user_id.in_(wanted), covered(notices)
    )
    return set(session.scalars(query))


def given_menu(session: Session, user_id: str, kind: MenuKind) -> None:
    """LINE accepted this kind of menu for the resident, linked on its own (at language choice): the reconciler
    starts from there."""
    session.execute(
        update(Subscriber)
        .where(Subscriber.channel == LINE, Subscriber.platform_user_id == user_id)
        .values(rich_menu_kind=kind.value, rich_menu_target=kind.value),
        execution_options={"synchronize_session": False},
    )


def in_disaster_menu() -> Any:
    # What the resident was last given or is being given (indexed: "anyone in disaster mode?" is one lookup);
    # a resident never linked by civicast counts as having the normal menu.
    return Subscriber.rich_menu_target == MenuKind.DISASTER.value


def not_in_disaster_menu() -> Any:
    return or_(Subscriber.rich_menu_target.is_(None), Subscriber.rich_menu_target != MenuKind.DISASTER.value)


def _queue(
    session: Session,
    condition: Any,
    kind: MenuKind,
    *,
    notice_id: int | None,
    menus: dict[tuple[str, str], str],
    now: datetime,
) -> int:
    """Queue the residents matching ``condition`` for ``kind``'s menu; mark them as given it. Returns how many."""
    base = [Subscriber.channel == LINE, Subscriber.status == SubscriberStatus.ACTIVE.value, condition]
    groups = session.execute(
        select(Subscriber.language, func.aggregate_strings(Subscriber.platform_user_id, ","))
        .where(*base)
        .group_by(Subscriber.language)
    ).all()
    by_language: dict[str, list[str]] = {}
    raw_languages = []
    for raw, joined in groups:
        language = catalog_language(raw)
        if joined and (kind.value, language) in menus:
            by_language.setdefault(language, []).extend(joined.split(","))
            raw_languages.append(raw)
    if not by_language:
        return 0
    paused = _paused_until(session, kind, now)
    rows: list[dict[str, Any]] = []
    for language, users in sorted(by_language.items()):
        for start in range(0, len(users), BULK_LINK_MAX_USERS):
            batch = users[start : start + BULK_LINK_MAX_USERS]
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "notice_id": notice_id,
                    "kind": kind.value,
                    "language": language,
                    "rich_menu_id": menus[(kind.value, language)],
                    "user_ids": batch,
                    "user_count": len(batch),
                    "linked_count": 0,
                    "status": MenuSwitchStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": max(now, paused.get(language, now)),
                    "created_at": now,
                    "updated_at": now,
                }
            )
    session.execute(insert(MenuSwitch), rows)
    session.execute(
        update(Subscriber).where(*base, Subscriber.language.in_(raw_languages)).values(rich_menu_target=kind.value),
        execution_options={"synchronize_session": False},
    )
    return sum(row["user_count"] for row in rows)


def _paused_until(session: Session, kind: MenuKind, now: datetime) -> dict[str, datetime]:
    """Per language, when a batch to ``kind``'s menu may be sent again after one died within DEAD_SWITCH_PAUSE."""
    rows = session.execute(
        select(MenuSwitch.language, func.max(MenuSwitch.updated_at))
        .where(
            MenuSwitch.kind == kind.value,
            MenuSwitch.status == MenuSwitchStatus.DEAD.value,
            MenuSwitch.updated_at > now - DEAD_SWITCH_PAUSE,
        )
        .group_by(MenuSwitch.language)
    ).all()
    return {language: died + DEAD_SWITCH_PAUSE for language, died in rows if died is not None}


def _ended_notice(session: Session, kinds: KindBook) -> int | None:
    """The latest live Severe or Extreme notice that expired, was cancelled or superseded."""
    rows = session.execute(
        _live(select(Notice.id, Notice.kind, Notice.params, Notice.severity))
        .where(Notice.status.in_(ENDED_STATUSES))
        .order_by(Notice.updated_at.desc(), Notice.id.desc())
        .limit(ENDED_LOOKED_AT)
    ).all()
    return next(
        (
            notice_id
            for notice_id, kind, params, severity in rows
            if notice_severity(kinds, kind, params, severity) in DISASTER_SEVERITIES
        ),
        None,
    )


@dataclass(frozen=True)
class Queued:
    to_disaster: int
    to_normal: int
    menus_missing: bool = False


_said_menus_missing = False


def queue_menu_switches(session: Session, now: datetime, *, kinds: KindBook, glossary: Glossary) -> Queued:
    """Queue what it takes for every LINE resident to see the menu they should see now; does not commit."""
    global _said_menus_missing
    menus = menu_ids(session)
    if not any(kind == MenuKind.DISASTER.value for kind, _ in menus):
        if not _said_menus_missing:
            log.warning("disaster mode switches no rich menus: none were created (run `civicast line richmenu`)")
            _said_menus_missing = True
        return Queued(0, 0, menus_missing=True)
    notices = disaster_notices(session, now, kinds=kinds, glossary=glossary)
    to_disaster = 0
    for index, notice in enumerate(notices):  # each resident is counted under the first notice that covers them
        condition = and_(covered([notice]), ~covered(notices[:index]), not_in_disaster_menu())
        to_disaster += _queue(session, condition, MenuKind.DISASTER, notice_id=notice.notice_id, menus=menus, now=now)
    to_normal = 0
    leaving = and_(in_disaster_menu(), ~covered(notices))
    if session.scalar(select(Subscriber.id).where(Subscriber.channel == LINE, leaving).limit(1)) is not None:
        to_normal = _queue(
            session, leaving, MenuKind.NORMAL, notice_id=_ended_notice(session, kinds), menus=menus, now=now
        )
    if to_disaster or to_normal:
        log.info(
            "rich menus: %d residents queued for the disaster menu, %d back to the normal one", to_disaster, to_normal
        )
    return Queued(to_disaster, to_normal)
