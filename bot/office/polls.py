"""Polls through the workflow layer: an officer writes one (a ``poll`` notice with its options and closing time),
reviews the translations of options in their own words, and reads its results; the public reads closed polls'
results as open data.

A poll is a notice: its targeting, second-officer approval, training world, fan-out and audit are the notice's
own. Results carry no personal data: a vote keeps its resident's ids only to refuse a second one. Functions take
the session first and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.conversation.models import PollVote
from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from bot.office.drafts import NoticeInput, compose_notice
from bot.office.translations import ReviewError
from messages.compose import Composer
from messages.glossary import WHOLE_CITY, Glossary
from messages.i18n import LANGUAGES
from messages.models import Notice, TranslationOrigin
from messages.params import parse_datetime
from messages.polls import (
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    MIN_OPTIONS,
    PHRASE_OPTIONS,
    POLL_KIND,
    Poll,
    PollOption,
    poll_options,
)
from messages.refusal import Problem, Unreadable
from messages.said import Languages, Said
from messages.text import TextRefused, clean_text
from messages.translate import remember
from scheduler.reach import original_recipients


class PollError(ValueError):
    """A poll that cannot be written as asked: ``errors`` maps each bad field (``options``, ``options.3``,
    ``closes_at``) to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class OptionInput:
    """One answer: a phrase-bank key (reviewed in every language) or the officer's own words."""

    phrase_key: str | None = None
    text: str | None = None


def _check_options(options: Sequence[OptionInput]) -> tuple[list[OptionInput], dict[str, str]]:
    errors: dict[str, str] = {}
    cleaned: list[OptionInput] = []
    for number, option in enumerate(options, 1):
        field = f"options.{number}"
        if option.phrase_key:
            if option.phrase_key not in PHRASE_OPTIONS:
                errors[field] = f"unknown phrase {option.phrase_key!r}; known: {', '.join(PHRASE_OPTIONS)}"
            cleaned.append(OptionInput(phrase_key=option.phrase_key))
            continue
        try:
            text = clean_text(field, option.text or "", max_length=MAX_OPTION_CHARS).strip()
        except TextRefused as exc:
            errors[field] = exc.reason
            continue
        if not text:
            errors[field] = Problem("empty: give the answer's text or a phrase", "poll.empty_option")
        cleaned.append(OptionInput(text=text))
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        errors["options"] = Problem(
            f"a poll has {MIN_OPTIONS} to {MAX_OPTIONS} options, not {len(options)}",
            "poll.option_count",
            count=len(options),
            least=MIN_OPTIONS,
            most=MAX_OPTIONS,
        )
    keys = [o.phrase_key or (o.text or "").casefold() for o in cleaned]
    if len(set(keys)) < len(keys):
        errors.setdefault("options", Problem("two options are the same", "poll.same_options"))
    return cleaned, errors


def compose_poll(
    session: Session,
    composer: Composer,
    actor: Actor,
    data: NoticeInput,
    *,
    options: Sequence[OptionInput],
    closes_at: object,
    now: datetime,
) -> Notice:
    """A new poll draft: a ``poll`` notice whose text is the question, with its options and closing time.
    Raises PollError, UnknownKind or InvalidParameters naming each bad field."""
    cleaned, errors = _check_options(options)
    closes: datetime | None = None
    try:
        closes = parse_datetime(closes_at) if closes_at else None
    except Unreadable as exc:
        errors["closes_at"] = exc.problem
    except ValueError as exc:
        errors["closes_at"] = Problem(str(exc), "bad_time", value=str(closes_at))
    else:
        if closes is None:
            errors["closes_at"] = Problem("give the time voting closes", "poll.closes_needed")
        elif closes <= now:
            errors["closes_at"] = Problem("that time has passed: voting must close later", "poll.closes_passed")
    if data.kind != POLL_KIND:
        errors["kind"] = Problem(f"a poll is a notice of kind {POLL_KIND}", "poll.kind")
    if errors:
        raise PollError(errors)
    assert closes is not None
    note = Said(
        f"a poll with {len(cleaned)} options, voting until {closes.isoformat(timespec='minutes')}",
        "compose.poll",
        count=len(cleaned),
        closes=closes,
    )
    notice = compose_notice(session, composer, actor, data, now=now, note=note)
    session.add(Poll(notice_id=notice.id, closes_at=closes))
    for position, option in enumerate(cleaned, 1):
        session.add(PollOption(notice_id=notice.id, position=position, phrase_key=option.phrase_key, text=option.text))
    session.flush()
    return notice


def review_option(
    session: Session, actor: Actor, notice_id: int, position: int, language: str, text: str, *, now: datetime
) -> PollOption:
    """An officer's translation of an option in their own words: kept with the option (residents read it from the
    next composing on) and in the translation memory, replacing a machine one. Raises ReviewError."""
    actor.require(Permission.REVIEW_TRANSLATIONS)
    row = session.scalar(select(PollOption).where(PollOption.notice_id == notice_id, PollOption.position == position))
    if row is None or not row.text:
        raise ReviewError("missing", f"notice {notice_id} has no option {position} in an officer's own words")
    notice = session.get(Notice, notice_id)
    assert notice is not None  # the option's foreign key
    if language == notice.free_text_lang or language not in LANGUAGES:
        raise ReviewError("language", f"{language!r} is not a language to translate the option into")
    if len(text.strip()) > MAX_OPTION_CHARS:  # said apart from refused characters: the fix is another one
        raise ReviewError("option_too_long", f"the translation is longer than {MAX_OPTION_CHARS} characters")
    try:
        cleaned = clean_text("text", text, max_length=MAX_OPTION_CHARS).strip()
    except TextRefused as exc:
        raise ReviewError("refused_text", f"the translation {exc.reason}") from None
    if not cleaned:
        raise ReviewError("empty", "the translation is empty")
    row.labels = {**(row.labels or {}), language: cleaned}
    row.origins = {**(row.origins or {}), language: TranslationOrigin.REVIEWED.value}
    notice.updated_at = now
    remember(
        session,
        row.text,
        notice.free_text_lang,
        language,
        cleaned,
        origin=TranslationOrigin.REVIEWED,
        reviewed_by=actor.username,
    )
    record(
        session,
        actor,
        AuditAction.REVIEW_TRANSLATION,
        "notice",
        notice_id,
        now=now,
        summary=Said(
            f"poll option {position} · {language}",
            "translation.poll_option",
            option=position,
            languages=Languages((language,)),
        ),
        detail={"notice_id": notice_id, "option": position, "language": language},
    )
    return row


@dataclass(frozen=True)
class OptionVersions:
    """An option in the officer's own words and its version in each other language: (text, origin), or None
    where it was never translated."""

    position: int
    text: str
    versions: dict[str, tuple[str, str] | None]

    def reviewed(self, language: str) -> bool:
        version = self.versions.get(language)
        return version is not None and version[1] == TranslationOrigin.REVIEWED.value


def options_to_review(session: Session, notice: Notice, languages: Sequence[str]) -> list[OptionVersions]:
    """The poll's options in the officer's words with their translations into ``languages`` (the notice's own
    language left out); phrase-bank answers are reviewed already and not listed."""
    targets = [code for code in languages if code != notice.free_text_lang]
    return [
        OptionVersions(
            row.position,
            row.text,
            {
                code: (row.labels[code], (row.origins or {}).get(code, TranslationOrigin.MACHINE.value))
                if code in (row.labels or {})
                else None
                for code in targets
            },
        )
        for row in poll_options(session, notice.id)
        if row.text
    ]


def option_labels(session: Session, notice: Notice, composer: Composer, language: str) -> list[str]:
    """The options as an officer reads them: phrase-bank answers in ``language``, own words as written."""
    catalog = composer.catalogs.get(language)
    return [
        catalog.translate(
            f"common.poll_option.{row.phrase_key}", composer.kinds.common[f"poll_option.{row.phrase_key}"]
        )
        if row.phrase_key
        else row.text or ""
        for row in poll_options(session, notice.id)
    ]


@dataclass(frozen=True)
class PollResults:
    closes_at: datetime
    closed: bool
    options: list[tuple[int, int]]  # (option number, votes), option 1 first
    districts: dict[str, dict[int, int]]  # district key or "all" → option number → votes
    votes: int
    recipients: int  # LINE residents the poll was written to

    @property
    def turnout(self) -> float | None:
        return self.votes / self.recipients if self.recipients else None


def results(session: Session, notice: Notice, glossary: Glossary, *, now: datetime) -> PollResults | None:
    """Counts per option and per district (in the glossary's order), and turnout among recipients, now."""
    poll = session.get(Poll, notice.id)
    if poll is None:
        return None
    positions = [row.position for row in poll_options(session, notice.id)]
    per_option = dict.fromkeys(positions, 0)
    per_district: dict[str, dict[int, int]] = {}
    rows = session.execute(
        select(PollVote.district, PollVote.position, func.count())
        .where(PollVote.notice_id == notice.id)
        .group_by(PollVote.district, PollVote.position)
    )
    for district, position, count in rows:
        per_option[position] = per_option.get(position, 0) + int(count)
        per_district.setdefault(district, dict.fromkeys(positions, 0))[position] = int(count)
    order = [term.key for term in glossary.terms("district")] + [WHOLE_CITY]
    districts = {key: per_district[key] for key in order if key in per_district}
    recipients = sum(1 for _ in original_recipients(session, notice.id, "line", sent_only=False))
    return PollResults(
        closes_at=poll.closes_at,
        closed=poll.closes_at <= now,
        options=sorted(per_option.items()),
        districts=districts,
        votes=sum(per_option.values()),
        recipients=recipients,
    )


OPEN_DATA_FIELDS = ("notice_id", "notice_identifier", "question", "closes_at", "option", "answer", "district", "votes")


def open_data(session: Session, *, now: datetime) -> list[dict[str, object]]:
    """Closed live polls' votes per option and district, for anyone: no resident's id; drills and polls still
    open left out. ``answer`` is the option in the poll's own language (a phrase-bank answer by its key)."""
    rows = session.execute(
        select(
            Notice.id,
            Notice.identifier,
            Notice.free_text,
            Poll.closes_at,
            PollOption.position,
            PollOption.phrase_key,
            PollOption.text,
            PollVote.district,
            func.count(PollVote.id),
        )
        .join(Poll, Poll.notice_id == Notice.id)
        .join(PollOption, PollOption.notice_id == Notice.id)
        .outerjoin(PollVote, (PollVote.notice_id == Notice.id) & (PollVote.position == PollOption.position))
        .where(Poll.closes_at <= now, Notice.training.is_(False), Notice.sent_at.is_not(None))
        .group_by(
            Notice.id,
            Notice.identifier,
            Notice.free_text,
            Poll.closes_at,
            PollOption.position,
            PollOption.phrase_key,
            PollOption.text,
            PollVote.district,
        )
        .order_by(Notice.id.desc(), PollOption.position, PollVote.district)
    )
    return [
        {
            "notice_id": notice_id,
            "notice_identifier": identifier,
            "question": question,
            "closes_at": closes_at.isoformat(timespec="seconds"),
            "option": position,
            "answer": phrase_key or text,
            "district": district or "",
            "votes": int(count),
        }
        for notice_id, identifier, question, closes_at, position, phrase_key, text, district, count in rows
    ]
