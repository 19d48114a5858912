"""Words residents read in their language, as officers review them: notices' machine-translated free text, and
the bot's FAQ entries.

Functions take the session first and never commit; each change is recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.conversation.models import FaqEntry
from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from channels.base import utf16_length
from messages.i18n import LANGUAGES, UnknownLanguage, get_language
from messages.models import Notice, NoticeTranslation, TranslationOrigin
from messages.said import Codes, Languages, Said
from messages.text import normalise_newlines, text_problem
from messages.translate import remember

# Waiting for a person: machine translated, held without text (the engine failed under the "hold" policy: origin
# machine, text None), or shown as the original because the engine failed (fallback).
PENDING_ORIGINS = (TranslationOrigin.MACHINE.value, TranslationOrigin.FALLBACK.value)
MAX_TEXT_UNITS = 5000  # a LINE text message, in UTF-16 code units
MAX_QUESTIONS = 40
MAX_QUESTION_CHARS = 300


class ReviewError(ValueError):
    """A translation that cannot be reviewed as asked; the message says why, ``code`` names it for a UI."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class FaqEditError(ValueError):
    """Named problems with an FAQ edit: ``errors`` maps a field (``questions``, ``answer``, ``_``) to a code."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {code}" for field, code in errors.items()))
        self.errors = errors


def _language_order(code: str) -> int:
    codes = list(LANGUAGES)
    return codes.index(code) if code in codes else len(codes)


# ----------------------------------------------------------------------------- notices' free text


def pending_translations(
    session: Session, *, limit: int = 10, offset: int = 0
) -> tuple[list[tuple[Notice, list[NoticeTranslation]]], int]:
    """Notices, newest first, with their translations waiting for review; and how many notices have some."""
    waiting = NoticeTranslation.origin.in_(PENDING_ORIGINS)
    total = session.scalar(select(func.count(func.distinct(NoticeTranslation.notice_id))).where(waiting)) or 0
    notice_ids = list(
        session.scalars(
            select(NoticeTranslation.notice_id)
            .where(waiting)
            .group_by(NoticeTranslation.notice_id)
            .order_by(NoticeTranslation.notice_id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    if not notice_ids:
        return [], total
    notices = {n.id: n for n in session.scalars(select(Notice).where(Notice.id.in_(notice_ids)))}
    rows: dict[int, list[NoticeTranslation]] = {notice_id: [] for notice_id in notice_ids}
    for row in session.scalars(select(NoticeTranslation).where(waiting, NoticeTranslation.notice_id.in_(notice_ids))):
        rows[row.notice_id].append(row)
    return [(notices[i], sorted(rows[i], key=lambda r: _language_order(r.language))) for i in notice_ids], total


def review_translation(
    session: Session, actor: Actor, translation_id: int, text: str, *, now: datetime
) -> NoticeTranslation:
    """Store the officer's translation with the notice and in the translation memory (replacing a machine one),
    so the same text is never machine translated into that language again. Raises ReviewError."""
    actor.require(Permission.REVIEW_TRANSLATIONS)
    row = session.get(NoticeTranslation, translation_id)
    if row is None:
        raise ReviewError("missing", f"there is no translation {translation_id}")
    notice = row.notice
    if not notice.free_text:
        raise ReviewError("no_source", f"notice {notice.id} has no text of its own to translate")
    if row.language == notice.free_text_lang:
        raise ReviewError("source_language", "this is the language the notice was written in")
    problem = text_problem(normalise_newlines(text), multiline=True)
    if problem:
        raise ReviewError("refused_text", f"the translation {problem}")
    text = normalise_newlines(text).strip()
    if not text:
        raise ReviewError("empty", "the translation is empty")
    if utf16_length(text) > MAX_TEXT_UNITS:
        raise ReviewError("too_long", f"the translation is longer than {MAX_TEXT_UNITS} characters")
    row.text, row.origin, row.reviewed_by = text, TranslationOrigin.REVIEWED, actor.username
    notice.updated_at = now  # the public page, feeds and their ETags show the reviewed text from now on
    remember(
        session,
        notice.free_text,
        notice.free_text_lang,
        row.language,
        text,
        origin=TranslationOrigin.REVIEWED,
        reviewed_by=actor.username,
    )
    record(
        session,
        actor,
        AuditAction.REVIEW_TRANSLATION,
        "translation",
        row.id,
        now=now,
        summary=Said(
            f"notice {notice.id} · {row.language}",
            "translation.notice",
            notice=str(notice.id),
            languages=Languages((row.language,)),
        ),
        detail={"notice_id": notice.id, "language": row.language},
    )
    return row


# ----------------------------------------------------------------------------- the bot's FAQ


def faq_categories(session: Session) -> dict[str, str]:
    """Every FAQ key with its category."""
    return dict(session.execute(select(FaqEntry.key, func.min(FaqEntry.category)).group_by(FaqEntry.key)).all())


def find_faq_entry(session: Session, key: str, language: str) -> FaqEntry | None:
    return session.scalar(select(FaqEntry).where(FaqEntry.key == key, FaqEntry.language == language))


def questions_from_lines(text: str) -> list[str]:
    """One question per line; blank lines and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        if line.strip():
            seen.setdefault(" ".join(line.split()), None)
    return list(seen)


def _check(questions: Sequence[str], answer: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if any(text_problem(q) for q in questions):
        errors["questions"] = "refused_text"
    elif not questions:
        errors["questions"] = "empty"
    elif len(questions) > MAX_QUESTIONS:
        errors["questions"] = "too_many"
    elif any(len(q) > MAX_QUESTION_CHARS for q in questions):
        errors["questions"] = "too_long"
    if text_problem(answer, multiline=True):
        errors["answer"] = "refused_text"
    elif not answer:
        errors["answer"] = "empty"
    elif utf16_length(answer) > MAX_TEXT_UNITS:
        errors["answer"] = "too_long"
    return errors


def save_faq_entry(
    session: Session, actor: Actor, key: str, language: str, *, questions: Iterable[str], answer: str, now: datetime
) -> tuple[FaqEntry, bool]:
    """Edit an FAQ entry in one language, or add that language to an existing entry; (entry, created).

    Raises FaqEditError naming each field that is wrong. The caller reloads the bot's FAQ index after the commit.
    """
    actor.require(Permission.EDIT_FAQ)
    try:
        language = get_language(language).code
    except UnknownLanguage:
        raise FaqEditError({"_": "unknown_language"}) from None
    category = faq_categories(session).get(key)
    if category is None:
        raise FaqEditError({"_": "unknown_key"})
    cleaned = [" ".join(q.split()) for q in questions if q.strip()]
    answer = normalise_newlines(answer).strip()
    errors = _check(cleaned, answer)
    if errors:
        raise FaqEditError(errors)
    entry = find_faq_entry(session, key, language)
    created = entry is None
    if entry is None:
        entry = FaqEntry(
            key=key, category=category, language=language, questions=cleaned, answer=answer, updated_at=now
        )
        session.add(entry)
    else:
        entry.questions, entry.answer, entry.updated_at = cleaned, answer, now
    session.flush()
    record(
        session,
        actor,
        AuditAction.EDIT_FAQ,
        "faq",
        f"{key}/{language}"[:64],
        now=now,
        summary=Said(
            f"{'added' if created else 'edited'}: {key} · {language}",
            "faq.added" if created else "faq.edited",
            entry=Codes((key,)),
            languages=Languages((language,)),
        ),
    )
    return entry, created
