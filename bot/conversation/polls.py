"""A resident's vote in a poll: the ``vote`` postback of a poll's quick replies (``action=vote&n=<notice>&o=<n>``).

One vote per resident and poll, and the first counts: the buttons stay under the message, and a second tap (by
mistake, or by someone else on a shared phone) must not quietly change a result the city may already be reading;
the resident is told their first answer stands. A vote after the poll closes is refused politely. A drill's votes
are marked ``training`` and never reach open data. Functions take the session first and never commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.conversation.checkin import district_of
from bot.conversation.flows import Turn
from bot.conversation.models import PollVote
from bot.conversation.replies import Reply
from messages.dates import format_datetime_for
from messages.db import affected_rows, dialect_insert
from messages.i18n import get_language
from messages.models import Notice
from messages.polls import Poll, PollOption

if TYPE_CHECKING:
    from bot.conversation.engine import ConversationEngine


def forget_votes(session: Session, channel: str, user_id: str) -> int:
    """Keep the votes (they are counted) but forget who cast them."""
    return affected_rows(
        session.execute(
            update(PollVote)
            .where(PollVote.channel == channel, PollVote.user_id == user_id)
            .values(channel=None, user_id=None)
        )
    )


class Polls:
    """The engine hands it the ``vote`` postback."""

    def __init__(self, engine: ConversationEngine) -> None:
        self.engine = engine
        self.t = engine.texts

    def vote(self, turn: Turn, notice_ref: str, option_ref: str) -> list[Reply]:
        resident, session, lang = turn.resident, turn.session, turn.language
        if resident is None or not notice_ref.isdigit() or not option_ref.isdigit():
            return [self.engine.answers.not_understood(turn)]
        menu = self.engine.answers.menu_choices(lang)
        notice_id, position = int(notice_ref), int(option_ref)
        poll = session.get(Poll, notice_id)
        notice = session.get(Notice, notice_id)
        option = session.scalar(
            select(PollOption.id).where(PollOption.notice_id == notice_id, PollOption.position == position)
        )
        if poll is None or notice is None or notice.sent_at is None or option is None:
            return [Reply(self.t(lang, "poll_unknown"), menu)]
        if turn.now >= poll.closes_at:
            closed = format_datetime_for(poll.closes_at, get_language(lang))
            return [Reply(self.t(lang, "poll_closed", time=closed), menu)]
        # RETURNING, not the row count: PostgreSQL's driver reports no count for an ORM insert that skipped a row.
        inserted = session.scalar(
            dialect_insert(session)(PollVote)
            .values(
                notice_id=notice_id,
                position=position,
                training=bool(notice.training),
                channel=turn.event.channel,
                user_id=turn.event.user_id,
                district=district_of(resident, notice, self.engine.glossary),
                created_at=turn.now,
            )
            .on_conflict_do_nothing(index_elements=["channel", "user_id", "notice_id"])
            .returning(PollVote.id)
        )
        if inserted is None:
            return [Reply(self.t(lang, "poll_already_voted"), menu)]
        return [Reply(self.t(lang, "poll_training_thanks" if notice.training else "poll_thanks"), menu)]
