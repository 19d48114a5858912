"""Who may do what to a notice: the rules, in one place, for every door (console, API, command line, demo).

``check(actor, notice, verb)`` raises when the rules refuse (``load`` reads a stored notice through it);
``allowed`` and ``allowed_actions`` ask the same question for buttons and the API's ``actions``. The rules:

- Training stays training: a test API key reads and acts only on sandboxed notices (those made with a
  test key); an Update or Cancel is made in its original's world, so one of a live notice is live.
- Two different people: a live notice is approved (or rejected) only by an officer with the approver
  role who neither wrote it, changed its content nor submitted it (its ``contributors``).
- A notice nobody would receive cannot be submitted, scheduled or sent (the desk counts the audience).
- The one exception to the second officer: an ingest rule (``via="ingest"``, named ``rule:<name>``) that an
  admin set to ``auto_send`` approves the notice it wrote itself from an alert of the national platform, and
  only that notice (nobody else changed it); the rule is named in the audit log.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from bot.office.accounts import Actor, Permission, PermissionDenied
from messages.models import MsgType, Notice, NoticeStatus
from scheduler.sending import SENDABLE, NoticeActionError, get_notice

EDITABLE = (NoticeStatus.DRAFT, NoticeStatus.REJECTED)
UNSENT = (
    NoticeStatus.DRAFT,
    NoticeStatus.SUBMITTED,
    NoticeStatus.REJECTED,
    NoticeStatus.APPROVED,
    NoticeStatus.SCHEDULED,
)
ON_AIR = (NoticeStatus.SENDING, NoticeStatus.SENT)


class Verb(StrEnum):
    READ = "read"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    SEND = "send"
    SCHEDULE = "schedule"
    CANCEL = "cancel"
    UPDATE = "update"


# The rule each refusal names, so a caller (and an API client) can tell them apart.
TEST_KEY_RULE = "test keys act only on sandboxed notices"
SECOND_OFFICER_RULE = "a live notice needs a second officer"


class RuleRefused(PermissionDenied):
    """Refused by one of the desk's rules (not only by a role); ``rule`` names it."""

    def __init__(self, rule: str, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(f"{message} ({rule})", code=code, **params)
        self.rule = rule


def contributors(notice: Notice) -> set[str]:
    """Everyone who wrote, changed or submitted the notice: none of them may approve it when it is live."""
    return {name for name in (notice.author, *(notice.contributors or ())) if name}


def add_contributor(notice: Notice, username: str) -> None:
    """Remember an officer who changed or submitted the notice (its author is remembered as such)."""
    if username != notice.author and username not in (notice.contributors or []):
        notice.contributors = [*(notice.contributors or []), username]


def _world(actor: Actor, notice: Notice) -> None:
    if actor.is_test_key and not notice.sandboxed:
        what = "an officer's training notice" if notice.training else "a live notice"
        raise RuleRefused(
            TEST_KEY_RULE,
            f"notice {notice.id} is {what}; a test API key may read and act only on "
            "notices made with test keys: use a live key",
            code="test_key",
            id=notice.id,
        )


def _status(notice: Notice, allowed: tuple[NoticeStatus, ...], doing: str, *, verb: Verb) -> None:
    """Refuse unless the notice is in one of ``allowed``; ``doing`` says so in English, the code ``state.<verb>``
    to an interface that translates it."""
    if notice.status not in allowed:
        raise NoticeActionError(
            f"notice {notice.id} is {notice.status}; {doing}", code=f"state.{verb}", id=notice.id, status=notice.status
        )


INGEST_VIA = "ingest"  # the door of the national platform's alerts: the actor is an ingest rule


def _second_officer(actor: Actor, notice: Notice, doing: Verb) -> None:
    if actor.via == INGEST_VIA and contributors(notice) == {actor.username}:
        return
    if actor.username in contributors(notice):
        raise RuleRefused(
            SECOND_OFFICER_RULE,
            f"{actor.username} wrote, changed or submitted notice {notice.id}, so another approver must {doing} it",
            code=f"second_officer.{doing}",
            id=notice.id,
            username=actor.username,
        )


def check(actor: Actor, notice: Notice, verb: Verb) -> None:
    """Raise PermissionDenied (a role or a rule) or NoticeActionError (the notice's state) if the rules refuse."""
    actor.require(Permission.VIEW)
    _world(actor, notice)
    live = not notice.training
    if verb is Verb.READ:
        return
    if verb is Verb.EDIT:
        actor.require(Permission.COMPOSE, doing=verb)
        _status(notice, EDITABLE, "only drafts and rejected notices change", verb=Verb.EDIT)
    elif verb is Verb.SUBMIT:
        actor.require(Permission.COMPOSE, doing=verb)
        _status(notice, EDITABLE, "only drafts and rejected notices are submitted", verb=Verb.SUBMIT)
    elif verb is Verb.APPROVE:
        if live:
            actor.require(Permission.APPROVE, doing=Verb.APPROVE)
            _status(notice, (NoticeStatus.SUBMITTED,), "a live notice is submitted first", verb=Verb.APPROVE)
            _second_officer(actor, notice, Verb.APPROVE)
        else:
            actor.require(Permission.COMPOSE, doing=verb)
            _status(
                notice,
                (NoticeStatus.DRAFT, NoticeStatus.SUBMITTED),
                "only drafts and submitted notices are approved",
                verb=Verb.APPROVE,
            )
    elif verb is Verb.REJECT:
        actor.require(Permission.APPROVE, doing=Verb.REJECT)  # the approver's role rejects too: name the reject
        _status(notice, (NoticeStatus.SUBMITTED,), "only submitted notices can be rejected", verb=Verb.REJECT)
        if live:
            _second_officer(actor, notice, Verb.REJECT)
    elif verb in (Verb.SEND, Verb.SCHEDULE):
        actor.require(Permission.SEND if live else Permission.COMPOSE, doing=verb)
        _status(notice, SENDABLE, "approve it before sending or scheduling it", verb=Verb.SEND)
        if verb is Verb.SCHEDULE and notice.msg_type == MsgType.CANCEL:
            raise NoticeActionError(
                f"notice {notice.id} is a Cancel: send it now, it cannot wait for a schedule",
                code="cancel_scheduled",
                id=notice.id,
            )
    elif verb is Verb.CANCEL:
        _check_cancel(actor, notice, live)
    elif verb is Verb.UPDATE:
        actor.require(Permission.COMPOSE, doing=Verb.UPDATE)
        _status(notice, ON_AIR, "only a notice that went out can be updated", verb=Verb.UPDATE)
        if notice.msg_type == MsgType.CANCEL:
            raise NoticeActionError(
                f"notice {notice.id} is a Cancel; it cannot be updated", code="cancel_updated", id=notice.id
            )


def _check_cancel(actor: Actor, notice: Notice, live: bool) -> None:
    if notice.status in UNSENT:
        own_draft = notice.author == actor.username and notice.status in (*EDITABLE, NoticeStatus.SUBMITTED)
        if own_draft:
            actor.require(Permission.COMPOSE, doing=Verb.CANCEL)
        else:
            actor.require(Permission.SEND if live else Permission.COMPOSE, doing=Verb.CANCEL)
        return
    _status(notice, ON_AIR, "it is no longer in force", verb=Verb.CANCEL)
    if notice.msg_type == MsgType.CANCEL:
        raise NoticeActionError(f"notice {notice.id} is itself a Cancel", code="cancel_cancelled", id=notice.id)
    actor.require(Permission.SEND if live else Permission.COMPOSE, doing=Verb.CANCEL)


def load(session: Session, actor: Actor, notice_id: int, verb: Verb = Verb.READ) -> Notice:
    """The notice, if the rules let this officer ``verb`` it (reading included)."""
    notice = get_notice(session, notice_id)
    check(actor, notice, verb)
    return notice


def allowed(actor: Actor, notice: Notice, verb: Verb) -> bool:
    try:
        check(actor, notice, verb)
    except (PermissionDenied, NoticeActionError):
        return False
    return True


def allowed_actions(actor: Actor, notice: Notice) -> set[Verb]:
    """Every verb the rules would accept now (the audience is the desk's to count)."""
    return {verb for verb in Verb if verb is not Verb.READ and allowed(actor, notice, verb)}


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """Which notices a caller may list: a test key sees only notices made with test keys."""
    return Notice.sandboxed.is_(True) if actor.is_test_key else true()
