"""Admins change the ingest rules (the console's rules page): each change is checked, stored and recorded in
the audit log in the caller's transaction, with a summary saying what changed.

Who may: officers with ``Permission.MANAGE_OFFICERS`` (admins), as for the other admin pages: a rule that
auto-sends writes and approves live notices on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from ingest.models import IngestRule
from ingest.rules import ANY_KIND, Action, Rule, RuleProblem, check_rule, delete_rule, move_rule, rule_rows, save_rule
from messages.said import Codes, Districts, Said, Word, joined

SUBJECT = "ingest_rule"
RULE_FIELDS = ("name", "kind", "min_severity", "min_level", "districts", "action", "notify_duty")


class UnknownRule(LookupError):
    """There is no rule with this id (deleted meanwhile, or never there)."""


class NameTaken(RuleProblem):
    """Another rule has this name (names say which rule decided an alert, so they stay unique)."""


class LastRule(RuleProblem):
    """The last rule cannot be deleted: with no rules, the configured ones are written again at the next start."""


def rule_of(row: IngestRule) -> Rule:
    return Rule(
        name=row.name,
        kind=row.kind,
        action=Action(row.action),
        min_severity=row.min_severity,
        min_level=row.min_level,
        districts=tuple(row.districts or ()),
        notify_duty=bool(row.notify_duty),
    )


def rule_detail(rule: Rule) -> dict[str, Any]:
    """The rule as JSON for the audit entry's detail."""
    return {
        "name": rule.name,
        "kind": rule.kind,
        "min_severity": rule.min_severity,
        "min_level": rule.min_level,
        "districts": list(rule.districts),
        "action": rule.action.value,
        "notify_duty": rule.notify_duty,
    }


ANYWHERE = Said("anywhere", "rule.anywhere")
NONE = Said("none", "rule.none")


def describe(rule: Rule) -> Said:
    """``kind earthquake_report, level ≥ 4, in cijin → auto_send (duty officers told)``."""
    conditions = [_shown("kind", rule.kind)]
    if rule.min_severity:
        conditions.append(
            Said(f"severity ≥ {rule.min_severity}", "rule.severity", severity=Word("severity.", rule.min_severity))
        )
    if rule.min_level:
        conditions.append(Said(f"level ≥ {rule.min_level}", "rule.level", level=Codes((rule.min_level,))))
    conditions.append(
        Said(f"in {', '.join(rule.districts)}", "rule.districts", districts=Districts(rule.districts))
        if rule.districts
        else ANYWHERE
    )
    when = joined(conditions, separator=", ")
    action = Word("rules_action.", rule.action.value)
    if rule.notify_duty:
        return Said(
            f"{when} → {rule.action.value} (duty officers told)", "rule.described_duty", when=when, action=action
        )
    return Said(f"{when} → {rule.action.value}", "rule.described", when=when, action=action)


def _shown(name: str, value: Any) -> Said:
    """One field's value, as a change or a description says it."""
    if name == "kind":
        if value == ANY_KIND:
            return Said(f"kind {value}", "rule.any_kind")
        return Said(f"kind {value}", "rule.kind", kind=Word("kind.", value))
    if isinstance(value, (tuple, list)):
        return Said(", ".join(value), "rule.district_list", districts=Districts(tuple(value))) if value else ANYWHERE
    if value is None or value == "":
        return NONE
    if isinstance(value, bool):
        return Said(str(value), "rule.yes" if value else "rule.no")
    if isinstance(value, Action):
        return Said(value.value, "rule.action", action=Word("rules_action.", value.value))
    if name == "min_severity":
        return Said(str(value), "rule.severity_value", severity=Word("severity.", str(value)))
    return Said(str(value), "rule.value", value=str(value))


def changes(before: Rule, after: Rule) -> list[Said]:
    """What differs, one ``field: old → new`` each."""
    changed = []
    for name in RULE_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old == new:
            continue
        was, now = (_shown(name, old), _shown(name, new)) if name != "kind" else (_kind(old), _kind(new))
        changed.append(
            Said(f"{name}: {was} → {now}", "rule.change", field=Word("rules.field_", name), was=was, now=now)
        )
    return changed


def _kind(value: str) -> Said:
    if value == ANY_KIND:
        return Said(value, "rule.any_kind_value")
    return Said(value, "rule.kind_value", kind=Word("kind.", value))


def _row(session: Session, rule_id: int) -> IngestRule:
    row = session.get(IngestRule, rule_id)
    if row is None:
        raise UnknownRule(rule_id)
    return row


def _name_free(session: Session, name: str, rule_id: int | None) -> None:
    clash = session.scalar(select(IngestRule.id).where(IngestRule.name == name))
    if clash is not None and clash != rule_id:
        raise NameTaken(f"name: another rule is called {name!r}")


def add_rule(
    session: Session, actor: Actor, rule: Rule, *, kinds: Iterable[str], districts: Iterable[str], now: datetime
) -> IngestRule:
    """Add the rule after the others (RuleProblem naming the field when it cannot be kept)."""
    actor.require(Permission.MANAGE_OFFICERS)
    checked = check_rule(rule, kinds=kinds, districts=districts)
    _name_free(session, checked.name, None)
    row = save_rule(session, checked, rule_id=None, by=actor.username, now=now)
    position = len(rule_rows(session))
    record(
        session,
        actor,
        AuditAction.ADD_INGEST_RULE,
        SUBJECT,
        row.id,
        now=now,
        summary=Said(
            f"added rule {checked.name!r} ({position} of {position}): {(described := describe(checked))}",
            "rule.added",
            name=checked.name,
            position=position,
            rule=described,
        ),
        detail={"after": rule_detail(checked)},
    )
    return row


def edit_rule(
    session: Session,
    actor: Actor,
    rule: Rule,
    *,
    rule_id: int,
    kinds: Iterable[str],
    districts: Iterable[str],
    now: datetime,
) -> list[str]:
    """Change rule ``rule_id``; what changed (nothing is stored or recorded when nothing did)."""
    actor.require(Permission.MANAGE_OFFICERS)
    before = rule_of(_row(session, rule_id))
    checked = check_rule(rule, kinds=kinds, districts=districts)
    changed = changes(before, checked)
    if not changed:
        return []
    _name_free(session, checked.name, rule_id)
    save_rule(session, checked, rule_id=rule_id, by=actor.username, now=now)
    record(
        session,
        actor,
        AuditAction.EDIT_INGEST_RULE,
        SUBJECT,
        rule_id,
        now=now,
        summary=Said(
            f"rule {before.name!r}: {'; '.join(changed)}", "rule.edited", name=before.name, changes=joined(changed)
        ),
        detail={"before": rule_detail(before), "after": rule_detail(checked)},
    )
    said: list[str] = list(changed)
    return said


def remove_rule(session: Session, actor: Actor, rule_id: int, *, now: datetime) -> Rule:
    """Delete a rule (never the last one: see ``LastRule``); the rule as it was."""
    actor.require(Permission.MANAGE_OFFICERS)
    before = rule_of(_row(session, rule_id))
    if len(rule_rows(session)) == 1:
        raise LastRule(
            "the last rule cannot be deleted: with no rules civicast writes the configured rules "
            "again at its next start; to ignore every alert, add a rule for any kind that ignores"
        )
    delete_rule(session, rule_id)
    record(
        session,
        actor,
        AuditAction.DELETE_INGEST_RULE,
        SUBJECT,
        rule_id,
        now=now,
        summary=Said(
            f"deleted rule {before.name!r}: {(described := describe(before))}",
            "rule.deleted",
            name=before.name,
            rule=described,
        ),
        detail={"before": rule_detail(before)},
    )
    return before


@dataclass(frozen=True)
class Move:
    name: str
    position: int  # the rule's place afterwards, from 1
    count: int  # of rules
    moved: bool  # False: it was already first (up) or last (down)


def reorder_rule(session: Session, actor: Actor, rule_id: int, *, up: bool, now: datetime) -> Move:
    """Move a rule one place up or down (nothing is changed or recorded when it is already at that end)."""
    actor.require(Permission.MANAGE_OFFICERS)
    row = _row(session, rule_id)
    ids = [item.id for item in rule_rows(session)]
    old = ids.index(rule_id)
    if (up and old == 0) or (not up and old == len(ids) - 1):
        return Move(row.name, old + 1, len(ids), moved=False)
    move_rule(session, rule_id, up=up)
    new = [item.id for item in rule_rows(session)].index(rule_id)
    record(
        session,
        actor,
        AuditAction.MOVE_INGEST_RULE,
        SUBJECT,
        rule_id,
        now=now,
        summary=Said(
            f"rule {row.name!r} moved {'up' if up else 'down'}: {old + 1} → {new + 1} of {len(ids)}",
            "rule.moved_up" if up else "rule.moved_down",
            name=row.name,
            old=old + 1,
            new=new + 1,
            of=len(ids),
        ),
        detail={"from": old + 1, "to": new + 1, "of": len(ids)},
    )
    return Move(row.name, new + 1, len(ids), moved=True)
