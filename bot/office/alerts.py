"""The national platform's alerts through the desk: every notice an alert makes is composed, approved, sent,
updated or cancelled by the desk's functions, as an ingest rule (``rule:<name>``, ``via="ingest"``), with the
audit rows in the same transactions.

What is decided, in order:
- Ack and Error are recorded only; a scope other than Public is not for residents.
- Only ``status=Actual`` can become a live notice. Test, Exercise, System and Draft become at most a training
  notice, marked as such, to test recipients, whatever the rule says.
- A Cancel cancels the notice made from the alert it references (never a positive notice, even with an
  ``<info>``); an Update updates it (an Update to those who received it, or the draft changed).
- An alert is read (``messages.cap_tw``); one that civicast cannot use, that touches no Kaohsiung district or
  has expired is recorded and ignored. Otherwise the first matching rule decides: auto_send, draft or ignore.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import sessionmaker

from bot.office import desk, drafts, notice_rules
from bot.office.accounts import Actor, PermissionDenied
from bot.office.confirmation import Confirmation
from bot.office.models import Role
from bot.office.notice_rules import INGEST_VIA
from ingest.models import IncomingAlert, Outcome
from ingest.receive import claim_incoming, incoming_for_reference, record_outcome
from ingest.rules import Action, Rule, current_rules, first_match
from messages.cap_read import CapAlert, ReadLimits, read_cap
from messages.cap_tw import Places, Reading, read_taiwan_alert
from messages.compose import Composer
from messages.glossary import Glossary
from messages.models import Notice, NoticeStatus
from messages.params import InvalidParameters
from scheduler.sending import Dispatch, NoticeActionError

log = logging.getLogger("civicast.alerts")
TRAINING_STATUSES = ("Test", "Exercise", "System", "Draft")
RECORDED_ONLY = ("Ack", "Error")
CAP_SEVERITIES = ("Minor", "Moderate", "Severe", "Extreme")


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str | None = None
    notice_id: int | None = None
    rule: str | None = None


def rule_actor(rule_name: str) -> Actor:
    return Actor(username=f"rule:{rule_name}"[:120], role=Role.APPROVER, via=INGEST_VIA)


@dataclass
class AlertDesk:
    """Decides received alerts. ``notify_duty(text)`` tells the duty officers of a new draft (LINE)."""

    dispatch: Dispatch
    places: Places
    channels: Mapping[str, Any]
    limits: ReadLimits
    notify_duty: Callable[[str], None] | None = None
    console_url: str = ""

    @property
    def session_factory(self) -> sessionmaker:
        return self.dispatch.session_factory

    @property
    def composer(self) -> Composer:
        return self.dispatch.composer

    @property
    def glossary(self) -> Glossary:
        return self.dispatch.glossary

    def decide(self, incoming_id: int, alert: CapAlert | None = None) -> Decision | None:
        """Decide a received document once (None if it is decided or another process has it)."""
        now = self.dispatch.clock()
        with self.session_factory.begin() as session:
            if not claim_incoming(session, incoming_id, now=now):
                return None
            row = session.get_one(IncomingAlert, incoming_id)
            raw, resumed_notice = row.raw, row.notice_id
        try:
            alert = alert or read_cap(raw, self.limits)
            decision, reading = self._decide(incoming_id, alert, resumed_notice)
        except Exception as exc:  # an alert must never stop the intake: record the failure and go on
            log.exception("deciding incoming alert %s failed", incoming_id)
            decision, reading = Decision(Outcome.FAILED, f"deciding failed: {type(exc).__name__}: {exc}"), None
        with self.session_factory.begin() as session:
            record_outcome(
                session,
                incoming_id,
                decision.outcome,
                decision.reason,
                now=self.dispatch.clock(),
                kind=reading.kind if reading else None,
                districts=list(reading.districts) if reading else None,
                event_code=reading.event_code if reading else None,
                rule=decision.rule,
                notice_id=decision.notice_id,
            )
        if decision.outcome is Outcome.DRAFTED and self.notify_duty is not None:
            self._tell_duty_officers(incoming_id, reading, decision)
        return decision

    def _decide(self, incoming_id: int, alert: CapAlert, resumed_notice: int | None) -> tuple[Decision, Reading | None]:
        if alert.msg_type in RECORDED_ONLY:
            return Decision(Outcome.IGNORED, f"msgType {alert.msg_type}: recorded only"), None
        if alert.scope != "Public":
            return Decision(Outcome.IGNORED, f"scope {alert.scope}: not for the public"), None
        training = alert.status != "Actual"
        if training and alert.status not in TRAINING_STATUSES:
            return Decision(Outcome.IGNORED, f"status {alert.status!r} is not a CAP status"), None
        if alert.msg_type == "Cancel":
            return self._cancel(alert, training), None
        reading = read_taiwan_alert(alert, self.glossary, self.places)
        if reading.kind is None or reading.reason:
            return Decision(Outcome.IGNORED, reading.reason or "civicast has no notice kind for it"), reading
        if not reading.districts:
            return Decision(Outcome.IGNORED, "it touches no Kaohsiung district"), reading
        now = self.dispatch.clock()
        if reading.expires is not None and reading.expires <= now:
            return Decision(Outcome.IGNORED, f"it expired at {reading.expires.isoformat(timespec='minutes')}"), reading
        with self.session_factory() as session:
            rule = first_match(current_rules(session), reading)
        if rule is None:
            return Decision(Outcome.IGNORED, "no rule matches it"), reading
        if rule.action is Action.IGNORE:
            return Decision(Outcome.IGNORED, f"rule {rule.name!r} ignores it", rule=rule.name), reading
        original = self._referenced_notice(alert) if alert.msg_type == "Update" else None
        return self._act(
            incoming_id, rule, reading, training=training, original=original, resumed_notice=resumed_notice
        ), reading

    # ------------------------------------------------------------------------------------------- acting

    def _input(self, reading: Reading, training: bool) -> drafts.NoticeInput:
        return drafts.NoticeInput(
            kind=reading.kind or "",
            params=dict(reading.params),
            training=training,
            severity=reading.severity if reading.severity in CAP_SEVERITIES else None,
            effective=reading.effective,
            expires=reading.expires,
        )

    def _act(
        self,
        incoming_id: int,
        rule: Rule,
        reading: Reading,
        *,
        training: bool,
        original: Notice | None,
        resumed_notice: int | None,
    ) -> Decision:
        actor = rule_actor(rule.name)
        data = self._input(reading, training)
        now = self.dispatch.clock()
        notice_id = resumed_notice
        if notice_id is None:
            try:
                with self.session_factory.begin() as session:
                    notice = self._write(session, actor, data, original, now=now)
                    # Linked at once: if this process dies before the outcome is written, the alert is decided
                    # again from this notice, never composed and sent twice.
                    session.get_one(IncomingAlert, incoming_id).notice_id = notice.id
                    notice_id = notice.id
            except InvalidParameters as exc:
                problems = "; ".join(f"{name}: {problem}" for name, problem in exc.errors.items())
                return Decision(
                    Outcome.FAILED,
                    f"the alert does not make a valid {exc.kind_id} notice ({problems}): an officer must write it",
                    rule=rule.name,
                )
            except (NoticeActionError, PermissionDenied) as exc:
                return Decision(Outcome.FAILED, str(exc), rule=rule.name)
        outcome = Outcome.TRAINING if training else Outcome.UPDATED if original is not None else Outcome.DRAFTED
        if rule.action is not Action.AUTO_SEND:
            what = "training draft" if training else "draft Update" if original is not None else "draft"
            return Decision(outcome, f"rule {rule.name!r}: a {what} waits for officers", notice_id, rule.name)
        try:
            self._approve_and_send(actor, notice_id)
        except (NoticeActionError, PermissionDenied) as exc:
            return Decision(Outcome.TRAINING if training else Outcome.FAILED, f"not sent: {exc}", notice_id, rule.name)
        sent = Outcome.TRAINING if training else Outcome.UPDATED if original is not None else Outcome.SENT
        to = "test recipients only (training)" if training else "residents"
        return Decision(sent, f"rule {rule.name!r}: sent to {to}", notice_id, rule.name)

    def _write(
        self, session: Any, actor: Actor, data: drafts.NoticeInput, original: Notice | None, *, now: datetime
    ) -> Notice:
        if original is None:
            return drafts.compose_notice(session, self.composer, actor, data, now=now)
        if original.status in (NoticeStatus.SENDING, NoticeStatus.SENT):
            return drafts.issue_update(session, self.composer, actor, original.id, data, now=now)
        if original.status in (NoticeStatus.DRAFT, NoticeStatus.REJECTED):
            return drafts.edit_notice(session, self.composer, actor, original.id, data, now=now)
        # Submitted, approved or scheduled: officers hold it; a new draft carries the Update for them.
        return drafts.compose_notice(session, self.composer, actor, data, now=now)

    def _approve_and_send(self, actor: Actor, notice_id: int) -> None:
        now = self.dispatch.clock()
        with self.session_factory.begin() as session:
            notice = notice_rules.load(session, actor, notice_id)
            if notice.status in (NoticeStatus.DRAFT, NoticeStatus.REJECTED):
                desk.submit_notice(session, actor, notice_id, glossary=self.glossary, channels=self.channels, now=now)
        with self.session_factory() as session:
            status = notice_rules.load(session, actor, notice_id).status
        if status == NoticeStatus.SUBMITTED:
            desk.approve_notice(self.dispatch, actor, notice_id, acknowledge_untranslated=True, now=now)
            status = NoticeStatus.APPROVED
        if status == NoticeStatus.APPROVED:
            desk.send_notice_now(
                self.dispatch,
                actor,
                notice_id,
                channels=self.channels,
                confirmation=Confirmation.by_rule(actor.username),
            )

    # ------------------------------------------------------------------------------------ Update and Cancel

    def _referenced_rows(self, alert: CapAlert) -> list[IncomingAlert]:
        with self.session_factory() as session:
            rows = [incoming_for_reference(session, reference) for reference in alert.references]
            found = [row for row in rows if row is not None]
            for row in found:
                session.expunge(row)
            return found

    def _referenced_notice(self, alert: CapAlert) -> Notice | None:
        """The newest notice made from an alert this one references (an Update of an Update follows the chain)."""
        rows = [row for row in self._referenced_rows(alert) if row.notice_id is not None]
        if not rows:
            return None
        with self.session_factory() as session:
            notice = session.get(Notice, max(row.notice_id for row in rows if row.notice_id))
            if notice is not None:
                session.expunge(notice)
            return notice

    def _cancel(self, alert: CapAlert, training: bool) -> Decision:
        rows = [row for row in self._referenced_rows(alert) if row.notice_id is not None]
        if not rows:
            return Decision(Outcome.IGNORED, "it cancels no alert civicast made a notice of")
        done, problems, notice_id = [], [], None
        for row in rows:
            actor = rule_actor(row.rule or "cancel")
            with self.session_factory() as session:
                # The rule cancels on its own only what it sent on its own; officers approve the rest.
                original = session.get(Notice, row.notice_id)
                sent_by_rule = original is not None and original.approver == actor.username
            try:
                cancelled = desk.cancel_notice(self.dispatch, actor, row.notice_id or 0)
                notice_id = cancelled.id
                if cancelled.status == NoticeStatus.SUBMITTED and cancelled.id != row.notice_id and sent_by_rule:
                    desk.approve_notice(self.dispatch, actor, cancelled.id, acknowledge_untranslated=True)
                    desk.send_notice_now(
                        self.dispatch,
                        actor,
                        cancelled.id,
                        channels=self.channels,
                        confirmation=Confirmation.by_rule(actor.username),
                    )
                    done.append(f"notice {row.notice_id}: Cancel sent as notice {cancelled.id}")
                elif cancelled.id != row.notice_id:
                    done.append(f"notice {row.notice_id}: Cancel notice {cancelled.id} waits for officers")
                else:
                    done.append(f"notice {row.notice_id} stopped before sending")
            except (NoticeActionError, PermissionDenied) as exc:
                problems.append(f"notice {row.notice_id}: {exc}")
        if not done:
            return Decision(Outcome.FAILED, "; ".join(problems))
        return Decision(Outcome.CANCELLED, "; ".join(done + problems), notice_id, rows[0].rule)

    # --------------------------------------------------------------------------------------- duty officers

    def _tell_duty_officers(self, incoming_id: int, reading: Reading | None, decision: Decision) -> None:
        what = reading.source_text.splitlines()[0][:200] if reading and reading.source_text else "an alert"
        link = f"{self.console_url}/console/incoming/{incoming_id}" if self.console_url else ""
        if self.notify_duty is None:
            return
        try:
            self.notify_duty(
                f"civicast: a draft from the national platform waits (notice {decision.notice_id}): "
                f"{what} {link}".strip()
            )
        except Exception:  # telling the duty officers is a courtesy: the draft is on the console either way
            log.exception("telling the duty officers about incoming alert %s failed", incoming_id)
