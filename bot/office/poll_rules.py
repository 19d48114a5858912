"""The desk's rules for sending a poll: votes are taken only until it closes, and its options and closing time are
its own, so a poll goes out once, before it closes. ``bot.office.desk`` asks these for every door (console, API,
command line)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from messages.i18n import TAIPEI
from messages.models import Notice
from messages.polls import Poll
from scheduler.sending import NoticeActionError

RECURRING_POLL_REFUSED = (
    "a poll cannot recur: each time would need fresh options and a fresh closing time. Schedule it once, and "
    "write a new poll for the next time"
)


def _taipei(moment: datetime) -> str:
    return f"{moment.astimezone(TAIPEI):%Y-%m-%d %H:%M} (Taipei)"


def check_poll_sending(session: Session, notice: Notice, *, sent_at: datetime, now: datetime) -> None:
    """Refuse to send ``notice``, if it is a poll, at ``sent_at`` when voting is closed by then."""
    poll = session.get(Poll, notice.id)
    if poll is None or sent_at < poll.closes_at:
        return
    if poll.closes_at <= now:
        raise NoticeActionError(
            f"poll {notice.id} closed at {_taipei(poll.closes_at)}: voting is over, so it cannot be sent. "
            "Write a new poll with a later closing time",
            code="poll_closed",
            id=notice.id,
            closes=poll.closes_at,
        )
    raise NoticeActionError(
        f"poll {notice.id} closes at {_taipei(poll.closes_at)}, before it would be sent at {_taipei(sent_at)}: "
        "residents could not vote. Send it earlier, or write a new poll with a later closing time",
        code="poll_closes_first",
        id=notice.id,
        closes=poll.closes_at,
        at=sent_at,
    )


def check_poll_schedule(
    session: Session, notice: Notice, *, at: datetime | None, cron: str | None, now: datetime
) -> None:
    """Refuse a recurrence for a poll, and a time at or after its close."""
    if session.get(Poll, notice.id) is None:
        return
    if cron is not None:
        raise NoticeActionError(f"poll {notice.id}: {RECURRING_POLL_REFUSED}", code="poll_no_recurrence", id=notice.id)
    if at is not None:
        check_poll_sending(session, notice, sent_at=at, now=now)
