"""Occurrences: each time a scheduled notice is due, it goes out once or is recorded missed, as the database decides.

A recurring notice is a template; each time of its cron expression becomes a copy carrying that
``occurrence_at`` (which times are due, and the copies: ``scheduler.recurring``). The copy, its free
text (localised on the template beforehand, outside any transaction), its deliveries and its audit row
are written in one transaction, and the unique key on (recurring notice, occurrence time) makes any
other scheduler's attempt at the same occurrence fail and write nothing. A one-off notice is its own
occurrence: the conditional claim in ``send_now`` does the same.

The leader catches up on every tick, and so as soon as it starts: the latest due occurrence that nobody
sent goes out if it is still within the misfire grace; any other unsent one is recorded as a copy in
status ``missed``, which the console, the delivery report and the API list. APScheduler only makes the
on-time case prompt; what has gone out is read from the database, never from APScheduler's memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messages.models import Notice, NoticeStatus
from messages.polls import Poll
from messages.said import Said
from scheduler.fanout import FanoutResult, NotDue, fan_out_notice
from scheduler.recurring import RecurrencePlan, copy_free_text, copy_of_recurring, occurrence_exists, plan_recurrence
from scheduler.said import (
    late_beyond_grace,
    missed,
    occurrence_missed,
    occurrence_sent,
    poll_closed,
    sent_late,
    taipei,
    why_occurrence_missed,
)
from scheduler.sending import Dispatch, prepare_free_text, send_now

log = logging.getLogger("civicast.scheduler")

AUDIT_SENT = "send"  # the audit log's actions (bot.office.audit.AuditAction values)
AUDIT_MISSED = "missed"
Leading = Callable[[], bool]


class Outcome(StrEnum):
    SENT = "sent"
    MISSED = "missed"
    DONE_ELSEWHERE = "done elsewhere"  # another scheduler, another thread or an officer got there first
    NOT_LEADING = "not leading"
    NOT_DUE = "not due"  # cancelled, not scheduled any more, or not yet due


@dataclass
class CatchUp:
    """What one catch-up did: notice ids sent and recorded missed."""

    sent: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)


class Occurrences:
    """Sends each due occurrence once, or records it missed, for the leading scheduler."""

    def __init__(self, dispatch: Dispatch, *, misfire_grace_s: float, is_leading: Leading = lambda: True) -> None:
        self.dispatch = dispatch
        self.grace = timedelta(seconds=misfire_grace_s)
        self.is_leading = is_leading
        self._busy: set[tuple[int, datetime | None]] = set()
        self._busy_lock = threading.Lock()

    @contextmanager
    def _alone(self, notice_id: int, occurrence_at: datetime | None = None) -> Iterator[bool]:
        """True for the first thread of this process on an occurrence: a tick and a job that meet on one
        occurrence would otherwise both localise it before the database turns one of them away."""
        key = (notice_id, occurrence_at)
        with self._busy_lock:
            first = key not in self._busy
            self._busy.add(key)
        try:
            yield first
        finally:
            if first:
                with self._busy_lock:
                    self._busy.discard(key)

    def _audit(self, session: Session, action: str, notice_id: int, summary: str) -> None:
        if self.dispatch.audit is not None:
            self.dispatch.audit(session, action, notice_id, summary)

    # ------------------------------------------------------------------ a job's time has come

    def fire(self, notice_id: int) -> CatchUp:
        """APScheduler's job for a notice: a one-off is sent (or missed); a recurring one catches up."""
        done = CatchUp()
        if not self.is_leading():  # a deposed leader's APScheduler may run on until it is shut down
            log.error("not sending notice %s: this scheduler no longer leads", notice_id)
            return done
        with self.dispatch.session_factory() as session:
            notice = session.get(Notice, notice_id)
            if notice is None or notice.status != NoticeStatus.SCHEDULED:
                log.info("notice %s is no longer scheduled; nothing to send", notice_id)
                return done
            plan = plan_recurrence(session, notice, self.dispatch.clock(), self.grace) if notice.recurrence else None
            send_at = notice.send_at
        if plan is not None:
            self._carry_out(plan, done)
        else:
            self._count(self._one_off(notice_id, send_at), notice_id, done)
        return done

    # ------------------------------------------------------------------ every tick

    def catch_up(self) -> CatchUp:
        """Everything due and not done: sent within the grace, recorded missed beyond it."""
        now = self.dispatch.clock()
        done = CatchUp()
        if not self.is_leading():
            return done
        scheduled = Notice.status == NoticeStatus.SCHEDULED.value
        plans: list[RecurrencePlan] = []
        with self.dispatch.session_factory() as session:
            one_offs = session.execute(
                select(Notice.id, Notice.send_at)
                .where(scheduled, Notice.recurrence.is_(None), Notice.send_at <= now)
                .order_by(Notice.send_at)
            ).all()
            for template in session.scalars(select(Notice).where(scheduled, Notice.recurrence.is_not(None))):
                with self._each(template.id):
                    plans.append(plan_recurrence(session, template, now, self.grace))
            # Copies made but never fanned out, left by a version that did the two in separate transactions.
            unfinished = session.execute(
                select(Notice.id, Notice.created_at).where(
                    Notice.recurrence_of.is_not(None), Notice.status == NoticeStatus.APPROVED.value
                )
            ).all()
        for notice_id, send_at in one_offs:
            with self._each(notice_id):
                self._count(self._one_off(notice_id, send_at), notice_id, done)
        for plan in plans:
            with self._each(plan.template_id):
                self._carry_out(plan, done)
        for copy_id, created_at in unfinished:
            with self._each(copy_id):
                self._count(self._one_off(copy_id, created_at, status=NoticeStatus.APPROVED), copy_id, done)
        return done

    @staticmethod
    @contextmanager
    def _each(notice_id: int) -> Iterator[None]:
        """One notice that cannot be sent (a bug, bad data) is logged and does not hold up the others."""
        try:
            yield
        except Exception:
            log.exception("catching up on notice %s failed; trying again at the next tick", notice_id)

    @staticmethod
    def _count(outcome: Outcome, notice_id: int, done: CatchUp) -> None:
        if outcome == Outcome.SENT:
            done.sent.append(notice_id)
        elif outcome == Outcome.MISSED:
            done.missed.append(notice_id)

    def _carry_out(self, plan: RecurrencePlan, done: CatchUp) -> None:
        if plan.send is not None:
            outcome, copy_id = self.fire_occurrence(plan.template_id, plan.send)
            if copy_id is not None:
                self._count(outcome, copy_id, done)
        for index, moment in enumerate(plan.missed):
            earlier = plan.missed_unlisted if index == 0 else 0
            outcome, copy_id = self.record_missed(plan.template_id, moment, earlier_unlisted=earlier)
            if copy_id is not None:
                self._count(outcome, copy_id, done)

    # ------------------------------------------------------------------ one occurrence

    def fire_occurrence(self, template_id: int, occurrence_at: datetime) -> tuple[Outcome, int | None]:
        """Send the occurrence of a recurring notice at ``occurrence_at``, unless it has been already."""
        with self._alone(template_id, occurrence_at) as first:
            if not first:
                return Outcome.DONE_ELSEWHERE, None
            with self.dispatch.session_factory() as session:
                template = session.get(Notice, template_id)
                if template is None or template.status != NoticeStatus.SCHEDULED or not template.recurrence:
                    return Outcome.NOT_DUE, None
                if occurrence_exists(session, template_id, occurrence_at):
                    return Outcome.DONE_ELSEWHERE, None
            prepare_free_text(self.dispatch, template_id)  # network: no session open
            if not self.is_leading():
                log.error(
                    "not sending notice %s's occurrence at %s: this scheduler no longer leads",
                    template_id,
                    taipei(occurrence_at),
                )
                return Outcome.NOT_LEADING, None
            try:
                with self.dispatch.session_factory.begin() as session:
                    result = self._fan_out_occurrence(session, template_id, occurrence_at)
            except IntegrityError:
                with self.dispatch.session_factory() as session:
                    if not occurrence_exists(session, template_id, occurrence_at):
                        raise
                log.info(
                    "notice %s's occurrence at %s was sent by another scheduler", template_id, taipei(occurrence_at)
                )
                return Outcome.DONE_ELSEWHERE, None
            except NotDue as exc:
                log.info("notice %s's occurrence at %s not sent: %s", template_id, taipei(occurrence_at), exc)
                return Outcome.NOT_DUE, None
        log.info(
            "notice %s fanned out: %d deliveries (occurrence at %s of recurring notice %s)",
            result.notice_id,
            result.deliveries,
            taipei(occurrence_at),
            template_id,
        )
        return Outcome.SENT, result.notice_id

    def _fan_out_occurrence(self, session: Session, template_id: int, occurrence_at: datetime) -> FanoutResult:
        template = session.get(Notice, template_id)
        if template is None or template.status != NoticeStatus.SCHEDULED:
            raise NotDue(f"notice {template_id} is no longer scheduled", code="not_scheduled", id=template_id)
        if session.get(Poll, template_id) is not None:  # its copies would carry neither options nor a close
            raise NotDue(
                f"notice {template_id} is a poll: a poll is sent once, it does not recur",
                code="poll_recurs",
                id=template_id,
            )
        copy = copy_of_recurring(session, template, occurrence_at)  # the unique key is taken here
        copy_free_text(session, template_id, copy.id)
        result = fan_out_notice(
            session,
            copy,
            glossary=self.dispatch.glossary,
            channels=self.dispatch.channels,
            languages=self.dispatch.languages,
            now=self.dispatch.clock(),
            public_channels_for_training=self.dispatch.public_channels_for_training,
            reader=self.dispatch.session_factory,
        )
        self._audit(session, AUDIT_SENT, copy.id, occurrence_sent(template_id, occurrence_at, result))
        return result

    def record_missed(
        self, template_id: int, occurrence_at: datetime, *, earlier_unlisted: int = 0
    ) -> tuple[Outcome, int | None]:
        """Record the occurrence at ``occurrence_at`` as missed, unless it was sent or recorded already."""
        with self._alone(template_id, occurrence_at) as first:
            if not first:
                return Outcome.DONE_ELSEWHERE, None
            if not self.is_leading():
                return Outcome.NOT_LEADING, None
            late = self.dispatch.clock() - occurrence_at
            why = why_occurrence_missed(late=late, grace=self.grace, earlier_unlisted=earlier_unlisted)
            try:
                with self.dispatch.session_factory.begin() as session:
                    template = session.get(Notice, template_id)
                    if template is None:
                        return Outcome.NOT_DUE, None
                    copy = copy_of_recurring(session, template, occurrence_at, status=NoticeStatus.MISSED)
                    self._audit(session, AUDIT_MISSED, copy.id, occurrence_missed(template_id, occurrence_at, why))
                    copy_id = copy.id
            except IntegrityError:
                return Outcome.DONE_ELSEWHERE, None
        log.error(
            "notice %s's occurrence at %s (Taipei) missed: %s; recorded as notice %s",
            template_id,
            taipei(occurrence_at),
            why,
            copy_id,
        )
        return Outcome.MISSED, copy_id

    # ------------------------------------------------------------------ a notice sent once

    def _one_off(
        self, notice_id: int, due: datetime | None, *, status: NoticeStatus = NoticeStatus.SCHEDULED
    ) -> Outcome:
        """A notice due at ``due`` (in ``status``): sent within the grace, or marked missed."""
        if due is None:
            return Outcome.NOT_DUE
        late = self.dispatch.clock() - due
        if late > self.grace:
            return self.mark_missed(notice_id, status=status, why=late_beyond_grace(late, self.grace))
        with self.dispatch.session_factory() as session:
            poll = session.get(Poll, notice_id)
        if poll is not None and poll.closes_at <= self.dispatch.clock():  # late within the grace, but nobody could vote
            return self.mark_missed(notice_id, status=status, why=poll_closed(poll.closes_at))
        with self._alone(notice_id) as first:
            if not first:
                return Outcome.DONE_ELSEWHERE
            if not self.is_leading():
                log.error("not sending notice %s: this scheduler no longer leads", notice_id)
                return Outcome.NOT_LEADING

            def audit(session: Session, notice: Notice, result: FanoutResult) -> None:
                self._audit(session, AUDIT_SENT, notice.id, sent_late(late, result))

            try:
                result = send_now(self.dispatch, notice_id, within=audit)
            except NotDue as exc:
                log.info("notice %s not sent: %s", notice_id, exc)
                return Outcome.DONE_ELSEWHERE
        log.info("notice %s fanned out: %d deliveries", notice_id, result.deliveries)
        return Outcome.SENT

    def mark_missed(self, notice_id: int, *, why: Said, status: NoticeStatus = NoticeStatus.SCHEDULED) -> Outcome:
        """A notice sent once whose time passed beyond the grace: ``missed``, if it is still in ``status``."""
        if not self.is_leading():
            return Outcome.NOT_LEADING
        with self.dispatch.session_factory.begin() as session:
            marked = session.execute(
                update(Notice)
                .where(Notice.id == notice_id, Notice.status == status.value, Notice.recurrence.is_(None))
                .values(status=NoticeStatus.MISSED.value, updated_at=self.dispatch.clock())
            ).rowcount
            if marked:
                self._audit(session, AUDIT_MISSED, notice_id, missed(why))
        if not marked:
            return Outcome.DONE_ELSEWHERE
        log.error("notice %s missed its time: %s; marked missed", notice_id, why)
        return Outcome.MISSED
