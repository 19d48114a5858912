"""Writing a notice: a new draft, an edit of a draft or a rejected notice, and an Update of one that went out.

Like the rest of the workflow layer (``bot.office.desk`` takes a notice on through review, sending and
cancelling), each function checks the rules for the acting officer and writes its audit row in the same
transaction; none commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from bot.office.notice_rules import Verb, add_contributor, load
from messages.compose import Composer
from messages.models import MsgType, Notice, NoticeStatus
from messages.params import InvalidParameters
from messages.polls import POLL_KIND
from messages.refusal import Problem
from messages.said import Codes, Said, Word, joined
from scheduler.sending import NoticeActionError

CONTENT_FIELDS = (
    "kind",
    "params",
    "districts",
    "topic",
    "severity",
    "free_text",
    "free_text_lang",
    "effective",
    "expires",
    "ask_checkin",
)


@dataclass(frozen=True)
class NoticeInput:
    """A notice as an officer fills it in: the console form, the API body and the command line become this."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: str | None = None
    free_text: str | None = None
    free_text_lang: str = "zh-Hant"
    training: bool = False
    effective: Any = None
    expires: Any = None
    ask_checkin: bool = False  # recipients are asked "Are you safe?" (LINE's quick replies under the notice)


def _build(
    composer: Composer, actor: Actor, data: NoticeInput, *, now: datetime, training: bool, sandboxed: bool
) -> Notice:
    notice = composer.new_notice(
        data.kind,
        dict(data.params),
        training=training or sandboxed,
        free_text=data.free_text,
        free_text_lang=data.free_text_lang,
        severity=data.severity,
        effective=data.effective,
        expires=data.expires,
        author=actor.username,
        now=now,
    )
    notice.sandboxed = sandboxed
    notice.ask_checkin = bool(data.ask_checkin)
    return notice


def compose_notice(
    session: Session, composer: Composer, actor: Actor, data: NoticeInput, *, now: datetime, note: Said | None = None
) -> Notice:
    """A new draft. A test key's notices are sandboxed training notices. Raises UnknownKind or
    InvalidParameters naming each bad field. ``note`` ends the audit row's summary (a poll's options); a poll
    itself is written by ``bot.office.polls.compose_poll``, which says it is one."""
    actor.require(Permission.COMPOSE)
    if data.kind == POLL_KIND and not note:
        needed = Problem("a poll needs its options and the time voting closes", "poll.options_needed")
        raise InvalidParameters(POLL_KIND, {"poll": needed})
    notice = _build(composer, actor, data, now=now, training=data.training, sandboxed=actor.is_test_key)
    session.add(notice)
    session.flush()
    record(
        session,
        actor,
        AuditAction.COMPOSE,
        "notice",
        notice.id,
        now=now,
        summary=composed(notice, note),
    )
    return notice


ASKS_CHECKIN = Said("asks recipients to check in", "compose.asks_checkin")


def composed(notice: Notice, note: Said | None) -> Said:
    """The compose row's summary: the kind, whether a training notice, whether it asks for check-ins, ``note``."""
    kind = Word("kind.", notice.kind)
    parts = [
        Said(f"{notice.kind} (training)", "compose.training_kind", kind=kind)
        if notice.training
        else Said(notice.kind, "compose.kind", kind=kind)
    ]
    return joined(parts + ([ASKS_CHECKIN] if notice.ask_checkin else []) + ([note] if note else []))


def edit_notice(
    session: Session, composer: Composer, actor: Actor, notice_id: int, data: NoticeInput, *, now: datetime
) -> Notice:
    """Change a draft or a rejected notice: it becomes a draft again and its approval starts over. Its world
    (training, sandboxed) stays what it was."""
    notice = load(session, actor, notice_id, Verb.EDIT)
    fresh = _build(composer, actor, data, now=now, training=bool(notice.training), sandboxed=bool(notice.sandboxed))
    changed = _changed_fields(notice, fresh)
    for name in CONTENT_FIELDS:
        setattr(notice, name, getattr(fresh, name))
    notice.translations.clear()  # the free text may have changed: translate it again
    notice.status, notice.approver = NoticeStatus.DRAFT, None
    add_contributor(notice, actor.username)
    record(
        session,
        actor,
        AuditAction.EDIT,
        "notice",
        notice.id,
        now=now,
        summary=Said(", ".join(changed), "edit.fields", fields=Codes(tuple(changed)))
        if changed
        else Said("no change", "edit.no_change"),
        detail={"changed": changed},
    )
    return notice


def _changed_fields(notice: Notice, fresh: Notice) -> list[str]:
    """What an edit changed, parameters by name, for the notice's history."""
    changed = []
    for name in CONTENT_FIELDS:
        before, after = getattr(notice, name), getattr(fresh, name)
        if name == "params":
            changed += [
                f"params.{key}"
                for key in sorted(set(before or {}) | set(after or {}))
                if (before or {}).get(key) != (after or {}).get(key)
            ]
        elif before != after:
            changed.append(name)
    return changed


def issue_update(
    session: Session, composer: Composer, actor: Actor, notice_id: int, data: NoticeInput, *, now: datetime
) -> Notice:
    """A draft Update of a notice that went out, made in its world: once approved and sent it goes to those who
    received the original, whom it supersedes."""
    original = load(session, actor, notice_id, Verb.UPDATE)
    if data.kind != original.kind:
        raise NoticeActionError(
            f"an Update keeps the kind of the notice it updates ({original.kind})", code="update_kind", id=original.id
        )
    if original.kind == POLL_KIND:  # votes belong to the poll residents saw: a changed poll is a new poll
        raise NoticeActionError("a poll has no Update: cancel it and write a new poll", code="poll_update")
    update = _build(
        composer, actor, data, now=now, training=bool(original.training), sandboxed=bool(original.sandboxed)
    )
    update.msg_type = MsgType.UPDATE
    update.references_id = original.id
    session.add(update)
    session.flush()
    record(
        session,
        actor,
        AuditAction.UPDATE,
        "notice",
        original.id,
        now=now,
        summary=Said(f"Update drafted as notice {update.id}", "update.drafted", notice=str(update.id)),
        detail={"update_id": update.id},
    )
    record(
        session,
        actor,
        AuditAction.COMPOSE,
        "notice",
        update.id,
        now=now,
        summary=joined(
            [Said(f"Update of notice {original.id}", "compose.update_of", notice=str(original.id))]
            + ([ASKS_CHECKIN] if update.ask_checkin else [])
        ),
    )
    return update
