"""A poll: a notice of kind ``poll`` whose text is the question, with 2–6 options residents answer with a tap.

An option is a phrase-bank answer (``poll_option.<key>`` in the kinds' common strings, reviewed in every language)
or the officer's own words, localised like the notice's free text (translation memory first, a reviewed
translation winning) when the notice is prepared for sending; its versions are kept in ``labels``. Voting is
open until ``closes_at``. Functions take the session first and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from messages.db import Base

POLL_KIND = "poll"
MIN_OPTIONS, MAX_OPTIONS = 2, 6
MAX_OPTION_CHARS = 60  # a quick-reply button shows 20; the full text is what the resident's tap echoes
PHRASE_OPTIONS = ("yes", "no", "not_sure")  # keys of ``poll_option.<key>`` in the phrase bank


class Poll(Base):
    __tablename__ = "polls"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True)
    closes_at: Mapped[datetime]


class PollOption(Base):
    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1…6, what a vote's ``o`` names
    phrase_key: Mapped[str | None] = mapped_column(String(32), default=None)
    text: Mapped[str | None] = mapped_column(Text, default=None)  # the officer's words, in the notice's language
    # The officer's words per language once localised: {language: text}; and how each was made: {language: origin}.
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    origins: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (UniqueConstraint("notice_id", "position", name="uq_poll_options_position"),)


@dataclass(frozen=True)
class OptionSpec:
    position: int
    phrase_key: str | None = None
    text: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PollSpec:
    """A poll as the composer needs it: when it closes, its options in order."""

    closes_at: datetime
    options: tuple[OptionSpec, ...]


def poll_options(session: Session, notice_id: int) -> list[PollOption]:
    return list(
        session.scalars(select(PollOption).where(PollOption.notice_id == notice_id).order_by(PollOption.position))
    )


def poll_spec(session: Session, notice_id: int) -> PollSpec | None:
    """The notice's poll, or None when it is not one."""
    poll = session.get(Poll, notice_id)
    if poll is None:
        return None
    options = tuple(
        OptionSpec(row.position, row.phrase_key, row.text, dict(row.labels or {}))
        for row in poll_options(session, notice_id)
    )
    return PollSpec(poll.closes_at, options)


def untranslated_option_languages(session: Session, notice_id: int, source: str, languages: list[str]) -> list[str]:
    """Languages in which an option in the officer's words would show as written: the engine failed, or it was
    never translated (a reviewed or machine translation in ``labels`` counts as translated)."""
    rows = [row for row in poll_options(session, notice_id) if row.text]
    return [
        code
        for code in languages
        if code != source
        and any(code not in (row.labels or {}) or (row.origins or {}).get(code) == "fallback" for row in rows)
    ]
