"""Fan-out: a due, approved notice becomes its outbox rows.

Resident channels get one Delivery per language × batch of at most the channel's ``max_recipients``; public channels
(the page, partner pushes) one Delivery carrying every language. An Update goes to everyone the original was for, a
Cancel to exactly those who received the original; the original's unsent deliveries are withdrawn, and the rest of its
fan-out, if it is still being written, stops.

``begin_fan_out`` marks the notice sending and returns its ``FanoutRows``; the rows are written a chunk per ``write``
call. ``fan_out_notice`` writes them all in the caller's one transaction; ``scheduler.sending.send_now`` commits the
first chunk with the notice's change of status (so the workers start at once) and the rest a chunk per transaction.
While chunks remain, the notice's ``fanout_progress_at`` says when the last was written; ``resume_fan_out`` finishes a
fan-out whose process died, skipping whoever already has a row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from channels.base import Audience, ChannelLimits
from messages.db import affected_rows
from messages.glossary import Glossary
from messages.i18n import DEFAULT_LANGUAGE
from messages.models import MsgType, Notice, NoticeStatus
from messages.refusal import Refusal
from scheduler.audience import active_languages, catalog_language, notice_district_mask, segment, segment_language
from scheduler.outbox import (
    PUBLIC_LANGUAGE,
    Delivery,
    DeliveryRecipients,
    DeliveryStatus,
    new_delivery_id,
    withdraw_unsent,
)
from scheduler.reach import is_follow_up, original_recipients

INSERT_CHUNK = 200  # delivery rows per INSERT statement


class NotDue(Refusal, ValueError):
    """The notice cannot be fanned out in its present state (``code`` ``state.send`` when the desk lost a race)."""


@dataclass
class FanoutResult:
    notice_id: int
    deliveries: int = 0
    recipients: dict[str, dict[str, int]] = field(default_factory=dict)  # channel -> language -> count
    complete: bool = False  # every delivery is written (else the rest follows, or is resumed)

    def add(self, channel: str, language: str, count: int) -> None:
        self.recipients.setdefault(channel, {}).setdefault(language, 0)
        self.recipients[channel][language] += count
        self.deliveries += 1

    @property
    def total_recipients(self) -> int:
        return sum(sum(per.values()) for per in self.recipients.values())


def _batches(
    groups: Iterable[tuple[str, list[str]]], size: int, languages: set[str]
) -> Iterator[tuple[str, list[str]]]:
    """(language, up to ``size`` user ids) from (subscriber language, user ids) groups.

    A language civicast does not compose in joins the default language's batches.
    """
    leftovers: dict[str, list[str]] = {}
    for raw_language, users in groups:
        language = catalog_language(raw_language)
        if language not in languages:
            language = DEFAULT_LANGUAGE
        pending = leftovers.pop(language, []) + users if language in leftovers else users
        full = len(pending) - len(pending) % size
        for start in range(0, full, size):
            yield language, pending[start : start + size]
        if full < len(pending):
            leftovers[language] = pending[full:]
    for language, users in leftovers.items():
        yield language, users


def _segment_concurrently(
    reader: sessionmaker, *, channel: str, topic: str, districts_mask: int | None, training: bool, languages: list[str]
) -> Iterator[tuple[str, list[str]]]:
    """Each language's audience read on its own connection, two at a time, while the caller writes
    the previous language's deliveries: on PostgreSQL reading and writing then overlap."""

    def read(language: str | None) -> tuple[str, list[str]]:
        with reader() as session:
            found, users = segment_language(
                session,
                channel=channel,
                topic=topic,
                districts_mask=districts_mask,
                language=language,
                others_than=languages,
                training=training,
            )
        return found or DEFAULT_LANGUAGE, users

    pending = [*languages, None]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="segment") as pool:
        # Two reads ahead at most: a million ids are not all held at once.
        ahead = [pool.submit(read, pending.pop(0)) for _ in range(min(2, len(pending)))]
        while ahead:
            language, users = ahead.pop(0).result()
            if pending:
                ahead.append(pool.submit(read, pending.pop(0)))
            if users:
                yield language, users


def _without(groups: Iterable[tuple[str, list[str]]], written: set[str]) -> Iterator[tuple[str, list[str]]]:
    for language, users in groups:
        kept = [user for user in users if user not in written]
        if kept:
            yield language, kept


def same_world(follow_up: Notice, original: Notice) -> None:
    """An Update or a Cancel lives in its original's world: a training one never touches a live notice, and
    a sandboxed one never touches a notice that reached real channels (nor the other way round)."""
    if bool(follow_up.training) != bool(original.training) or bool(follow_up.sandboxed) != bool(original.sandboxed):
        world = "training" if original.training else "live"
        raise NotDue(
            f"notice {follow_up.id} cannot {follow_up.msg_type.lower()} notice {original.id}: an Update or "
            f"Cancel of a {world} notice must be {world} too, made the same way",
            code="other_world.training" if original.training else "other_world.live",
            id=follow_up.id,
            original=original.id,
        )


@dataclass
class FanoutRows:
    """A sending notice's deliveries still to write, drawn lazily from its audience."""

    notice_id: int
    result: FanoutResult
    clock: Callable[[], datetime]
    pending: Iterator[tuple[str, str, list[str]]]  # (channel, language, recipients)

    def write(self, session: Session, *, limit: int | None = None) -> bool:
        """Write up to ``limit`` deliveries (all, without one); True once every delivery is written.

        The caller commits. The last call clears the notice's ``fanout_progress_at`` (until then it stands as
        ``begin_fan_out``, ``still_fanning_out`` or the resume stamped it)."""
        now = self.clock()
        rows: list[dict[str, Any]] = []
        lists: list[dict[str, Any]] = []

        def flush() -> None:
            if rows:
                session.execute(insert(Delivery.__table__), rows)
            if lists:
                session.execute(insert(DeliveryRecipients.__table__), lists)
            rows.clear()
            lists.clear()

        written, finished = 0, True
        for channel, language, recipients in self.pending:
            delivery_id = new_delivery_id()
            rows.append(
                {
                    "id": delivery_id,
                    "notice_id": self.notice_id,
                    "channel": channel,
                    "language": language,
                    "recipient_count": len(recipients),
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "duplicate": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if recipients:
                lists.append({"delivery_id": delivery_id, "recipients": recipients})
            self.result.add(channel, language, len(recipients))
            written += 1
            if len(rows) >= INSERT_CHUNK:
                flush()
            if limit is not None and written >= limit:
                finished = False  # perhaps more; the next call finds out
                break
        flush()
        if finished:
            session.execute(update(Notice).where(Notice.id == self.notice_id).values(fanout_progress_at=None))
        self.result.complete = finished
        return finished


def still_fanning_out(session: Session, notice_id: int, now: datetime) -> bool:
    """Before writing another chunk: whether the notice is still sending with deliveries to write.

    The conditional update also locks the notice's row, so a Cancel or an Update of it, which changes its status
    first, either waits for this chunk (and then withdraws it) or makes this return False."""
    return (
        affected_rows(
            session.execute(
                update(Notice)
                .where(
                    Notice.id == notice_id,
                    Notice.status == NoticeStatus.SENDING.value,
                    Notice.fanout_progress_at.is_not(None),
                )
                .values(fanout_progress_at=now)
            )
        )
        == 1
    )


def _audience_rows(
    session: Session,
    notice: Notice,
    *,
    glossary: Glossary,
    channels: Mapping[str, ChannelLimits],
    languages: set[str],
    public_channels_for_training: bool,
    reader: sessionmaker | None,
    written: Mapping[str, set[str]] | None,
) -> Iterator[tuple[str, str, list[str]]]:
    """The notice's deliveries, (channel, language, recipients), skipping residents in ``written``.

    What must be read in ``session`` is read now; with a ``reader``, the residents of a new notice are read
    later, on its own connections, as the rows are written."""
    sources: list[tuple[str, ChannelLimits, Iterable[tuple[str, list[str]]]]] = []
    original = notice.references
    for channel, limits in channels.items():
        if limits.audience is Audience.PUBLIC:
            if (not notice.training or public_channels_for_training) and (written is None or channel not in written):
                sources.append((channel, limits, [(PUBLIC_LANGUAGE, [])]))
            continue
        if original is not None and is_follow_up(notice):
            users = list(
                original_recipients(session, original.id, channel, sent_only=notice.msg_type == MsgType.CANCEL)
            )
            current = active_languages(session, channel, users, test_recipients_only=notice.training)
            by_language: dict[str, list[str]] = {}
            for user in users:
                if user in current:
                    by_language.setdefault(current[user], []).append(user)
            groups: Iterable[tuple[str, list[str]]] = sorted(by_language.items())
        elif reader is not None:
            groups = _segment_concurrently(
                reader,
                channel=channel,
                topic=notice.topic,
                districts_mask=notice_district_mask(glossary, notice.districts),
                training=notice.training,
                languages=sorted(languages),
            )
        else:
            groups = segment(
                session,
                channel=channel,
                topic=notice.topic,
                districts_mask=notice_district_mask(glossary, notice.districts),
                training=notice.training,
            )
        if written is not None and channel in written:
            groups = _without(groups, written[channel])
        sources.append((channel, limits, groups))

    def rows() -> Iterator[tuple[str, str, list[str]]]:
        for channel, limits, groups in sources:
            if limits.audience is Audience.PUBLIC:
                yield channel, PUBLIC_LANGUAGE, []
                continue
            for language, batch in _batches(groups, limits.max_recipients, languages):
                yield channel, language, batch

    return rows()


def begin_fan_out(
    session: Session,
    notice: Notice,
    *,
    glossary: Glossary,
    channels: Mapping[str, ChannelLimits],
    languages: Iterable[str],
    clock: Callable[[], datetime],
    public_channels_for_training: bool = False,
    reader: sessionmaker | None = None,
) -> FanoutRows:
    """Mark the notice sending (and its original, for an Update or a Cancel, superseded or cancelled) and return
    its deliveries to write, in this transaction and, with a ``reader``, in later ones."""
    if notice.status not in (NoticeStatus.APPROVED, NoticeStatus.SCHEDULED):
        why = f"notice {notice.id} is {notice.status}; only approved or scheduled notices are sent"
        raise NotDue(why, code="state.send", id=notice.id, status=notice.status)
    now = clock()
    original = notice.references
    if original is not None and is_follow_up(notice):
        same_world(notice, original)
        # The original's status first: this locks its row, so a chunk of its own fan-out being written now is
        # committed before its recipients are read and its unsent deliveries withdrawn, and no chunk follows.
        original.status = NoticeStatus.CANCELLED if notice.msg_type == MsgType.CANCEL else NoticeStatus.SUPERSEDED
        original.fanout_progress_at = None
        session.flush()
    pending = _audience_rows(
        session,
        notice,
        glossary=glossary,
        channels=channels,
        languages=set(languages),
        public_channels_for_training=public_channels_for_training,
        reader=reader,
        written=None,
    )
    if original is not None and is_follow_up(notice):
        reason = "superseded by an update" if notice.msg_type == MsgType.UPDATE else "notice cancelled"
        withdraw_unsent(session, original.id, now, reason)
    notice.status = NoticeStatus.SENDING
    notice.sent_at = now
    notice.fanout_progress_at = now
    if notice.effective is None:
        notice.effective = now
    session.flush()
    return FanoutRows(notice.id, FanoutResult(notice.id), clock, pending)


def resume_fan_out(
    session: Session,
    notice: Notice,
    *,
    glossary: Glossary,
    channels: Mapping[str, ChannelLimits],
    languages: Iterable[str],
    clock: Callable[[], datetime],
    public_channels_for_training: bool = False,
    reader: sessionmaker | None = None,
) -> FanoutRows:
    """The rest of a sending notice's deliveries: those of its audience now who have no delivery of it yet."""
    if notice.status != NoticeStatus.SENDING or notice.fanout_progress_at is None:
        raise NotDue(f"notice {notice.id} has no fan-out to resume", code="no_fan_out", id=notice.id)
    written: dict[str, set[str]] = {}
    for channel, recipients in session.execute(
        select(Delivery.channel, DeliveryRecipients.recipients)
        .outerjoin(DeliveryRecipients, DeliveryRecipients.delivery_id == Delivery.id)
        .where(Delivery.notice_id == notice.id)
    ):
        written.setdefault(channel, set()).update(recipients or ())
    pending = _audience_rows(
        session,
        notice,
        glossary=glossary,
        channels=channels,
        languages=set(languages),
        public_channels_for_training=public_channels_for_training,
        reader=reader,
        written=written,
    )
    return FanoutRows(notice.id, FanoutResult(notice.id), clock, pending)


def fan_out_notice(
    session: Session,
    notice: Notice,
    *,
    glossary: Glossary,
    channels: Mapping[str, ChannelLimits],
    languages: Iterable[str],
    now: datetime,
    public_channels_for_training: bool = False,
    reader: sessionmaker | None = None,
) -> FanoutResult:
    """Write all the notice's deliveries and mark it sending, in the caller's one transaction (the caller commits
    or rolls back once: if it fails, there are no rows at all)."""
    rows = begin_fan_out(
        session,
        notice,
        glossary=glossary,
        channels=channels,
        languages=languages,
        clock=lambda: now,
        public_channels_for_training=public_channels_for_training,
        reader=reader,
    )
    rows.write(session)
    session.refresh(notice, ["fanout_progress_at"])
    return rows.result
