"""Ingest rules: what to do with an alert of a kind, at or above a severity or level, in some districts.

Rules are kept in the database, in order; the first that matches decides. They start as the ``cap.ingest.rules``
of config.yaml (written once, when the table is empty) and admins change them on the console. An alert no rule
matches is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ingest.models import IngestRule
from messages.cap_tw import Reading, level_rank, severity_rank

ANY_KIND = "*"
CAP_SEVERITIES = ("Unknown", "Minor", "Moderate", "Severe", "Extreme")


class Action(StrEnum):
    AUTO_SEND = "auto_send"  # a live notice at once, authored and approved by the rule
    DRAFT = "draft"  # a draft for the officers
    IGNORE = "ignore"


class RuleProblem(ValueError):
    """A rule that cannot be kept as given; the message names the field."""


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    action: Action
    min_severity: str | None = None
    min_level: str | None = None
    districts: tuple[str, ...] = ()
    notify_duty: bool = False

    def matches(self, reading: Reading) -> bool:
        if self.kind not in (ANY_KIND, reading.kind):
            return False
        if self.min_severity and severity_rank(reading.severity) < severity_rank(self.min_severity):
            return False
        if self.min_level:
            if reading.level is None or reading.kind is None:
                return False
            if level_rank(reading.kind, reading.level) < level_rank(reading.kind, self.min_level):
                return False
        return not self.districts or bool(set(self.districts) & set(reading.districts))


def first_match(rules: Iterable[Rule], reading: Reading) -> Rule | None:
    return next((rule for rule in rules if rule.matches(reading)), None)


def check_rule(rule: Rule, *, kinds: Iterable[str], districts: Iterable[str]) -> Rule:
    """The rule, or RuleProblem naming what is wrong: an unknown kind, severity, level or district."""
    name = " ".join(rule.name.split())
    if not name or len(name) > 120:
        raise RuleProblem("name: give the rule a name of 1 to 120 characters")
    if rule.kind != ANY_KIND and rule.kind not in set(kinds):
        raise RuleProblem(f"kind: {rule.kind!r} is not a notice kind (or '*' for any)")
    if rule.min_severity and rule.min_severity not in CAP_SEVERITIES:
        raise RuleProblem(f"min_severity: {rule.min_severity!r} is not one of {', '.join(CAP_SEVERITIES)}")
    if rule.min_level:
        if rule.kind == ANY_KIND:
            raise RuleProblem("min_level: a level belongs to one kind; name the kind")
        try:
            level_rank(rule.kind, rule.min_level)
        except ValueError as exc:
            raise RuleProblem(f"min_level: {exc}") from None
    unknown = sorted(set(rule.districts) - set(districts))
    if unknown:
        verb = "is not a district" if len(unknown) == 1 else "are not districts"
        raise RuleProblem(f"districts: {', '.join(unknown)} {verb}")
    if rule.action not in tuple(Action):
        raise RuleProblem(f"action: {rule.action!r} is not one of {', '.join(Action)}")
    return Rule(
        name=name,
        kind=rule.kind,
        action=Action(rule.action),
        min_severity=rule.min_severity or None,
        min_level=rule.min_level or None,
        districts=tuple(dict.fromkeys(rule.districts)),
        notify_duty=rule.notify_duty,
    )


def _rule_of(row: IngestRule) -> Rule:
    return Rule(
        name=row.name,
        kind=row.kind,
        action=Action(row.action),
        min_severity=row.min_severity,
        min_level=row.min_level,
        districts=tuple(row.districts or ()),
        notify_duty=bool(row.notify_duty),
    )


def rule_rows(session: Session) -> list[IngestRule]:
    return list(session.scalars(select(IngestRule).order_by(IngestRule.position, IngestRule.id)))


def current_rules(session: Session) -> list[Rule]:
    return [_rule_of(row) for row in rule_rows(session)]


def seed_rules(session: Session, rules: Sequence[Rule], *, now: datetime) -> bool:
    """Write the configured rules when there are none yet (the first start); True if it wrote them."""
    if session.scalar(select(func.count()).select_from(IngestRule)):
        return False
    for position, rule in enumerate(rules):
        session.add(_row(rule, position=position, by="config.yaml", now=now))
    session.flush()
    return True


def _row(rule: Rule, *, position: int, by: str, now: datetime) -> IngestRule:
    return IngestRule(
        position=position,
        name=rule.name,
        kind=rule.kind,
        action=rule.action.value,
        min_severity=rule.min_severity,
        min_level=rule.min_level,
        districts=list(rule.districts),
        notify_duty=rule.notify_duty,
        updated_by=by,
        updated_at=now,
    )


def save_rule(session: Session, rule: Rule, *, rule_id: int | None, by: str, now: datetime) -> IngestRule:
    """Add a rule at the end, or change rule ``rule_id``. Names stay unique."""
    clash = session.scalar(select(IngestRule).where(IngestRule.name == rule.name))
    if clash is not None and clash.id != rule_id:
        raise RuleProblem(f"name: another rule is called {rule.name!r}")
    if rule_id is None:
        position = (session.scalar(select(func.max(IngestRule.position))) or 0) + 1
        row = _row(rule, position=position, by=by, now=now)
        session.add(row)
    else:
        existing = session.get(IngestRule, rule_id)
        if existing is None:
            raise RuleProblem(f"there is no rule {rule_id}")
        row = existing
        row.name, row.kind, row.action = rule.name, rule.kind, rule.action.value
        row.min_severity, row.min_level, row.districts = rule.min_severity, rule.min_level, list(rule.districts)
        row.notify_duty, row.updated_by, row.updated_at = rule.notify_duty, by, now
    session.flush()
    return row


def delete_rule(session: Session, rule_id: int) -> IngestRule:
    row = session.get(IngestRule, rule_id)
    if row is None:
        raise RuleProblem(f"there is no rule {rule_id}")
    session.delete(row)
    session.flush()
    return row


def move_rule(session: Session, rule_id: int, *, up: bool) -> None:
    """Swap a rule with the one before (``up``) or after it: order decides which rule matches first."""
    rows = rule_rows(session)
    index = next((i for i, row in enumerate(rows) if row.id == rule_id), None)
    if index is None:
        raise RuleProblem(f"there is no rule {rule_id}")
    other = index - 1 if up else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        row.position = position
    session.flush()
