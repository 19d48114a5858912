"""Several residents' turns in one transaction: their dialogues locked and their records loaded together.

A webhook worker answers a round of claimed events at once. Turn by turn, each event costs a lock on
the resident's conversation, a look-up of the resident and a commit; for a round of a hundred residents
these become one locking statement, one look-up and one commit. Locks are taken in user-id order, so
two processes locking overlapping residents cannot deadlock (claims keep them apart anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.models import Conversation
from messages.db import dialect_insert
from scheduler.audience import Subscriber

CHUNK = 500  # residents per statement: well under SQLite's bound-parameter limit

Known = dict[tuple[str, str], tuple[Conversation, Subscriber | None]]


def _locked(channel: str, users: Sequence[str]):  # noqa: ANN202 - a SQLAlchemy Select
    return (
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.user_id.in_(users))
        .order_by(Conversation.user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_residents(session: Session, channel: str, users: Sequence[str]) -> Known:
    """Each resident's conversation (created if new) locked until the transaction ends, and their record."""
    wanted = sorted(set(users))
    conversations: dict[str, Conversation] = {}
    residents: dict[str, Subscriber] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        conversations.update((c.user_id, c) for c in session.scalars(_locked(channel, chunk)))
        missing = [user for user in chunk if user not in conversations]
        if missing:  # new residents; another process may be creating some of the same rows right now
            session.execute(
                dialect_insert(session)(Conversation).on_conflict_do_nothing(index_elements=["channel", "user_id"]),
                [{"channel": channel, "user_id": user, "state": "idle", "data": {}} for user in missing],
            )
            conversations.update((c.user_id, c) for c in session.scalars(_locked(channel, missing)))
        residents.update(
            (s.platform_user_id, s)
            for s in session.scalars(
                select(Subscriber).where(Subscriber.channel == channel, Subscriber.platform_user_id.in_(chunk))
            )
        )
    return {(channel, user): (conversations[user], residents.get(user)) for user in wanted}


def still_current(session: Session, conversation: Conversation) -> bool:
    """False once a turn deleted the resident's data: the next turn looks them up afresh."""
    return conversation in session and conversation not in session.deleted
