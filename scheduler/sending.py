"""The mechanics of sending an approved notice: schedule it, localise its free text, fan it out, settle it.

Who may do these things is decided above this layer, by the office's desk (``bot.office.desk``), which
calls these functions. Sending marks the notice sending in one transaction with the first of its deliveries
and writes the rest in short ones after; the free text is localised before that, outside any session. A
Cancel is sent like any notice: the fan-out sends it to exactly the residents who received the original and
withdraws what had not gone yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from channels.base import ChannelLimits
from messages.compose import Composer
from messages.db import affected_rows
from messages.glossary import Glossary
from messages.models import Notice, NoticeStatus, NoticeTranslation, TranslationOrigin
from messages.polls import Poll, PollOption, poll_options
from messages.refusal import Refusal
from messages.translate import FreeTextLocaliser
from scheduler.fanout import FanoutResult, FanoutRows, NotDue, begin_fan_out, resume_fan_out, still_fanning_out
from scheduler.outbox import settle_notices
from scheduler.recurrence import BadRecurrence, cron_trigger

log = logging.getLogger(__name__)

SENDABLE = (NoticeStatus.APPROVED, NoticeStatus.SCHEDULED)
FANOUT_STALLED_AFTER = timedelta(seconds=60)  # a chunk takes well under a second; this long means its writer died
# Written inside the transaction that fans a notice out, so the record and the change commit together.
WithinFanout = Callable[[Session, Notice, FanoutResult], None]
# How the scheduler, which does not know the audit log, records what it did: (session, action, notice id, summary).
AuditHook = Callable[[Session, str, int, str | None], None]


class NoticeActionError(Refusal, ValueError):
    """What an officer asked cannot be done to this notice; the message says why, ``code`` and ``params`` say it to
    an interface that translates it."""


@dataclass(frozen=True)
class Dispatch:
    """Everything sending needs, built by ``bot`` from the settings."""

    session_factory: sessionmaker
    composer: Composer
    glossary: Glossary
    localiser: FreeTextLocaliser | None
    channels: Mapping[str, ChannelLimits]
    languages: tuple[str, ...]
    public_channels_for_training: bool = False
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    audit: AuditHook | None = None  # records what the scheduler does on its own (fired, missed)
    # Deliveries per fan-out transaction, the first (which marks the notice sending) included: 200 is a second of
    # LINE's multicasts, so the workers are busy while the rest is written; short transactions, as SQLite has one
    # writer at a time and the push endpoint must store an alert meanwhile.
    fanout_chunk: int = 200


def get_notice(session: Session, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NoticeActionError(f"there is no notice {notice_id}", code="no_notice", id=notice_id)
    return notice


def check_schedule_time(at: datetime | None, *, now: datetime) -> None:
    """A one-off time must still be ahead (a time that has passed means: send now)."""
    if at is not None and at <= now:
        raise NoticeActionError("that time has passed; send the notice now instead", code="time_passed")


def schedule(
    session: Session, notice_id: int, *, at: datetime | None = None, cron: str | None = None, now: datetime
) -> Notice:
    """Send at a time, or every time of a cron expression (Taipei time). The leader scheduler picks it up."""
    notice = get_notice(session, notice_id)
    if notice.status not in SENDABLE:
        raise NoticeActionError(
            f"notice {notice_id} is {notice.status}; approve it before scheduling it",
            code="state.send",
            id=notice_id,
            status=notice.status,
        )
    if (at is None) == (cron is None):
        raise NoticeActionError("schedule a notice either at a time or by a cron expression", code="at_or_cron")
    if cron is not None:
        if session.get(Poll, notice_id) is not None:  # a copy would go out without the poll's options
            raise NoticeActionError(
                f"notice {notice_id} is a poll: a poll is sent once, it does not recur",
                code="poll_recurs",
                id=notice_id,
            )
        try:
            cron_trigger(cron)
        except BadRecurrence as exc:
            raise NoticeActionError(str(exc), code="bad_recurrence", cron=cron) from None
    else:
        check_schedule_time(at, now=now)
    notice.status = NoticeStatus.SCHEDULED
    # A recurrence starts now: the leader sends each of its times from here on, once.
    notice.send_at, notice.recurrence = (now if cron is not None else at), cron
    return notice


def prepare_free_text(dispatch: Dispatch, notice_id: int) -> None:
    """Localise the officer's free text into every language and keep the result with the notice."""
    with dispatch.session_factory() as session:
        notice = get_notice(session, notice_id)
        text, source = notice.free_text, notice.free_text_lang
        done = set(session.scalars(select(NoticeTranslation.language).where(NoticeTranslation.notice_id == notice_id)))
    if not text or dispatch.localiser is None or done >= set(dispatch.languages):
        return
    versions = dispatch.localiser.localise(text, source, dispatch.languages)  # network: no session open
    with dispatch.session_factory.begin() as session:
        session.execute(delete(NoticeTranslation).where(NoticeTranslation.notice_id == notice_id))
        for code, version in versions.items():
            if version.held:
                origin = TranslationOrigin.MACHINE  # stored without text: waiting for review
            elif version.text is None:
                origin = TranslationOrigin.FALLBACK
            else:
                origin = version.origin or TranslationOrigin.MACHINE
            session.add(
                NoticeTranslation(
                    notice_id=notice_id, language=code, text=version.text, origin=origin.value, engine=version.engine
                )
            )


def prepare_poll_options(dispatch: Dispatch, notice_id: int) -> None:
    """Localise a poll's options written in the officer's words, as the notice's free text is; a reviewed
    translation in the memory wins over the engine. Phrase-bank options need nothing."""
    with dispatch.session_factory() as session:
        notice = get_notice(session, notice_id)
        source = notice.free_text_lang
        todo = [(row.id, row.text) for row in poll_options(session, notice_id) if row.text and not row.labels]
    if not todo or dispatch.localiser is None:
        return
    localised = {
        option_id: dispatch.localiser.localise(text, source, dispatch.languages)  # network: no session open
        for option_id, text in todo
    }
    with dispatch.session_factory.begin() as session:
        for option_id, versions in localised.items():
            row = session.get(PollOption, option_id)
            if row is None:
                continue
            row.labels = {code: v.text for code, v in versions.items() if v.text}
            row.origins = {code: (v.origin or TranslationOrigin.FALLBACK).value for code, v in versions.items()}


def send_now(
    dispatch: Dispatch,
    notice_id: int,
    *,
    may_send: Callable[[Notice], None] | None = None,
    within: WithinFanout | None = None,
) -> FanoutResult:
    """Fan the notice out now. Two callers racing (a scheduler and an officer) fan it out once.

    The notice's change to sending commits with its first ``dispatch.fanout_chunk`` deliveries, so the workers
    start while the rest is written, as many per transaction. In that first transaction, ``may_send`` sees the
    notice as it is before it goes (and raises to stop it) and ``within`` runs after (the audit row of whoever
    sent it; the result it sees says whether every delivery is already written). If writing a later chunk fails,
    the notice stays sending and the scheduler's tick resumes its fan-out (``resume_stalled_fan_outs``)."""
    prepare_free_text(dispatch, notice_id)
    prepare_poll_options(dispatch, notice_id)
    with dispatch.session_factory.begin() as session:
        notice = get_notice(session, notice_id)
        # Claim the right to send with a conditional update: whoever loses finds nothing to claim.
        claimed = session.execute(
            update(Notice)
            .where(Notice.id == notice_id, Notice.status.in_([s.value for s in SENDABLE]))
            .values(updated_at=dispatch.clock())
        ).rowcount
        if claimed != 1:
            raise NotDue(
                f"notice {notice_id} is {notice.status}; it has been sent or is not approved",
                code="state.send",
                id=notice_id,
                status=notice.status,
            )
        session.refresh(notice)
        if notice.status not in SENDABLE:
            raise NotDue(
                f"notice {notice_id} is {notice.status}", code="state.send", id=notice_id, status=notice.status
            )
        if may_send is not None:
            may_send(notice)
        rows = begin_fan_out(
            session,
            notice,
            glossary=dispatch.glossary,
            channels=dispatch.channels,
            languages=dispatch.languages,
            clock=dispatch.clock,
            public_channels_for_training=dispatch.public_channels_for_training,
            reader=dispatch.session_factory,
        )
        rows.write(session, limit=dispatch.fanout_chunk)
        if within is not None:
            within(session, notice, rows.result)
    _write_the_rest(dispatch, rows)
    return rows.result


def _write_the_rest(dispatch: Dispatch, rows: FanoutRows) -> None:
    """The remaining chunks, a transaction each, while the notice is still sending."""
    try:
        while not rows.result.complete:
            with dispatch.session_factory.begin() as session:
                if not still_fanning_out(session, rows.notice_id, dispatch.clock()):
                    log.info("notice %s: fan-out stopped (cancelled or superseded)", rows.notice_id)
                    return
                rows.write(session, limit=dispatch.fanout_chunk)
    except Exception:  # the notice is sending already: the tick finishes what this could not
        log.exception(
            "notice %s: writing its deliveries failed after %d; the scheduler will resume",
            rows.notice_id,
            rows.result.deliveries,
        )


def resume_stalled_fan_outs(dispatch: Dispatch, *, stalled_after: timedelta = FANOUT_STALLED_AFTER) -> list[int]:
    """Finish the fan-outs whose writer stopped (its process died): those standing still for ``stalled_after``."""
    cutoff = dispatch.clock() - stalled_after
    with dispatch.session_factory() as session:
        stalled = session.scalars(
            select(Notice.id).where(Notice.status == NoticeStatus.SENDING.value, Notice.fanout_progress_at < cutoff)
        ).all()
    resumed = []
    for notice_id in stalled:
        with dispatch.session_factory.begin() as session:
            # Taken by a conditional update, so two schedulers do not both resume it.
            taken = session.execute(
                update(Notice)
                .where(
                    Notice.id == notice_id,
                    Notice.status == NoticeStatus.SENDING.value,
                    Notice.fanout_progress_at < cutoff,
                )
                .values(fanout_progress_at=dispatch.clock())
            ).rowcount
            if taken != 1:
                continue
            rows = resume_fan_out(
                session,
                get_notice(session, notice_id),
                glossary=dispatch.glossary,
                channels=dispatch.channels,
                languages=dispatch.languages,
                clock=dispatch.clock,
                public_channels_for_training=dispatch.public_channels_for_training,
                reader=dispatch.session_factory,
            )
            rows.write(session, limit=dispatch.fanout_chunk)
        _write_the_rest(dispatch, rows)
        log.warning("notice %s: its stalled fan-out was resumed, %d more deliveries", notice_id, rows.result.deliveries)
        resumed.append(notice_id)
    return resumed


def settle_and_expire(session: Session, now: datetime) -> dict[str, int]:
    """Notices whose deliveries are all done become sent; those past their expiry, expired."""
    sent = settle_notices(
        session, session.scalars(select(Notice.id).where(Notice.status == NoticeStatus.SENDING.value)).all(), now
    )
    expired = affected_rows(
        session.execute(
            update(Notice)
            .where(
                Notice.status.in_([NoticeStatus.SENDING.value, NoticeStatus.SENT.value]),
                Notice.expires.is_not(None),
                Notice.expires <= now,
            )
            .values(status=NoticeStatus.EXPIRED.value, updated_at=now)
        )
    )
    return {"sent": sent, "expired": expired}
