"""Are you safe? A resident's answer to a notice asking recipients to check in.

"I'm safe" is counted; "I need help" opens a case for the disaster duty desk at once, tells the resident its
number, then asks for their location and a short text (each may be skipped), added to the case. One answer per
resident and notice, the latest counted: someone who asked for help and later says they are safe is counted safe,
and their case stays open for the desk to close. An answer without a notice (the disaster rich menu's buttons)
goes to the latest live notice asking for check-in that covers the resident, or to no notice, still counted by
district. A drill's answers are kept apart (``training``) and open no case.

Functions take the session first and never commit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.conversation.flows import Turn
from bot.conversation.live import covers
from bot.conversation.models import CLOSED_STATUSES, Case, CheckIn, CheckInAnswer
from bot.conversation.petitions import DISASTER, open_numbered_case
from bot.conversation.replies import Choice, Reply
from messages.db import affected_rows
from messages.glossary import WHOLE_CITY, Glossary
from messages.models import Notice
from messages.notices import active_notices
from scheduler.audience import Subscriber, district_bit

if TYPE_CHECKING:
    from bot.conversation.engine import ConversationEngine

MAX_CHECKIN_TEXT = 1000  # characters of the resident's short text added to their case


class CheckInState(StrEnum):
    LOCATION = "checkin_location"  # the case is open; a location (or Skip) is awaited
    TEXT = "checkin_text"  # then a short text (or Skip)


def asking_notices(session: Session, now: datetime, resident: Subscriber, glossary: Glossary) -> list[Notice]:
    """Live notices on air that ask recipients to check in and cover the resident, newest first."""
    found = [
        notice for notice in active_notices(session, now) if notice.ask_checkin and covers(notice, resident, glossary)
    ]
    found.sort(key=lambda n: (n.sent_at or n.created_at, n.id), reverse=True)
    return found


def answered_notice(
    session: Session, now: datetime, resident: Subscriber, glossary: Glossary, notice_ref: str
) -> Notice | None:
    """The notice an answer is for: the one it names, if that notice asked for check-in and went out; else the
    latest live one asking that covers the resident; else None."""
    if notice_ref.isdigit():
        named = session.get(Notice, int(notice_ref))
        if named is not None and named.ask_checkin and named.sent_at is not None:
            return named
    latest = asking_notices(session, now, resident, glossary)
    return latest[0] if latest else None


def district_of(resident: Subscriber, notice: Notice | None, glossary: Glossary) -> str:
    """Where an answer is counted: the first of the resident's districts the notice concerns (any of theirs for a
    whole-city notice), or "all" for a resident following the whole city."""
    if resident.whole_city:
        return WHOLE_CITY
    concerned = set(notice.districts or [WHOLE_CITY]) if notice is not None else {WHOLE_CITY}
    mine = [term.key for term in glossary.terms("district") if resident.districts & district_bit(glossary, term.key)]
    for key in mine:
        if WHOLE_CITY in concerned or key in concerned:
            return key
    return mine[0] if mine else WHOLE_CITY


def record_answer(
    session: Session,
    *,
    channel: str,
    user_id: str,
    notice: Notice | None,
    district: str,
    answer: CheckInAnswer,
    now: datetime,
) -> CheckIn:
    """The resident's answer for the notice, replacing an earlier one (their case, if any, stays linked)."""
    notice_id = notice.id if notice is not None else None
    row = session.scalar(
        select(CheckIn).where(
            CheckIn.channel == channel,
            CheckIn.user_id == user_id,
            CheckIn.notice_id.is_(None) if notice_id is None else CheckIn.notice_id == notice_id,
        )
    )
    if row is None:
        row = CheckIn(
            channel=channel,
            user_id=user_id,
            notice_id=notice_id,
            created_at=now,
            training=bool(notice.training) if notice is not None else False,
        )
        session.add(row)
    row.answer, row.district, row.updated_at = answer, district, now
    session.flush()
    return row


def forget_checkins(session: Session, channel: str, user_id: str) -> int:
    """Keep the answers (they are counted) but forget who gave them."""
    return affected_rows(
        session.execute(
            update(CheckIn)
            .where(CheckIn.channel == channel, CheckIn.user_id == user_id)
            .values(channel=None, user_id=None)
        )
    )


def _resident_case(session: Session, turn: Turn) -> Case | None:
    number = (turn.conversation.data or {}).get("case")
    if not isinstance(number, str):
        return None
    return session.scalar(
        select(Case).where(
            Case.number == number, Case.channel == turn.event.channel, Case.user_id == turn.event.user_id
        )
    )


class CheckIns:
    """The check-in dialogue: the engine hands it the ``checkin`` postback and the replies in its states."""

    def __init__(self, engine: ConversationEngine) -> None:
        self.engine = engine
        self.t = engine.texts

    def answer(self, turn: Turn, answer: str, notice_ref: str) -> list[Reply]:
        resident = turn.resident
        if resident is None or answer not in {a.value for a in CheckInAnswer}:
            return [self.engine.answers.not_understood(turn)]
        glossary = self.engine.glossary
        notice = answered_notice(turn.session, turn.now, resident, glossary, notice_ref)
        row = record_answer(
            turn.session,
            channel=turn.event.channel,
            user_id=turn.event.user_id,
            notice=notice,
            district=district_of(resident, notice, glossary),
            answer=CheckInAnswer(answer),
            now=turn.now,
        )
        lang, menu = turn.language, self.engine.answers.menu_choices(turn.language)
        if row.answer == CheckInAnswer.SAFE:
            turn.go("idle")
            if row.training:
                return [Reply(self.t(lang, "checkin_safe_training"), menu)]
            text = self.t(lang, "checkin_safe_thanks")
            if row.case is not None and row.case.status not in CLOSED_STATUSES:
                text += "\n" + self.t(lang, "checkin_case_stays_open", number=row.case.number)
            return [Reply(text, menu)]
        if row.training:  # a drill never puts a case before the duty desk
            turn.go("idle")
            return [Reply(self.t(lang, "checkin_help_training"), menu)]
        case = row.case
        if case is None or case.status in CLOSED_STATUSES:
            case = open_numbered_case(
                turn.session,
                channel=turn.event.channel,
                user_id=turn.event.user_id,
                language=lang,
                category=DISASTER,
                district=row.district,
                description=self.t(lang, "checkin_case_description"),
                location=None,
                photo=None,
                now=turn.now,
                rules=self.engine.petition_rules,
            )
            row.case_id = case.id
        turn.conversation.data = {}
        turn.go(CheckInState.LOCATION, case=case.number)
        return [
            Reply(
                self.t(lang, "checkin_help_received", number=case.number),
                (
                    Choice.location(self.t(lang, "label.checkin_location")),
                    Choice.of(self.t(lang, "label.skip"), "skip"),
                ),
            )
        ]

    def location(self, turn: Turn) -> list[Reply]:
        event = turn.event
        case = _resident_case(turn.session, turn)
        if case is not None:
            case.location = event.address or f"{event.latitude:.6f},{event.longitude:.6f}"
            case.updated_at = turn.now
        return self._ask_text(turn)

    def _ask_text(self, turn: Turn) -> list[Reply]:
        turn.go(CheckInState.TEXT)
        return [
            Reply(
                self.t(turn.language, "checkin_text_prompt"), (Choice.of(self.t(turn.language, "label.skip"), "skip"),)
            )
        ]

    def text(self, turn: Turn, text: str) -> list[Reply]:
        case = _resident_case(turn.session, turn)
        if case is not None and text.strip():
            case.description = f"{case.description}\n{text.strip()[:MAX_CHECKIN_TEXT]}"
            case.updated_at = turn.now
        return self._done(turn, case, "checkin_text_added")

    def skip(self, turn: Turn) -> list[Reply]:
        if turn.conversation.state == CheckInState.LOCATION:
            return self._ask_text(turn)
        return self._done(turn, _resident_case(turn.session, turn), "checkin_done")

    def _done(self, turn: Turn, case: Case | None, key: str) -> list[Reply]:
        turn.conversation.data = {}
        turn.go("idle")
        menu = self.engine.answers.menu_choices(turn.language)
        if case is None:  # the resident asked to be forgotten meanwhile, or the state is stale
            return [self.engine.answers.not_understood(turn)]
        return [Reply(self.t(turn.language, key, number=case.number), menu)]
