"""Admins' changes to the ingest rules: checked, stored and recorded together; nothing stored or recorded when
refused or when nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.office.accounts import Actor, PermissionDenied
from bot.office.ingest_rules import (
    LastRule,
    NameTaken,
    UnknownRule,
    add_rule,
    changes,
    describe,
    edit_rule,
    remove_rule,
    reorder_rule,
)
from bot.office.models import AuditEntry, Role
from ingest.rules import Action, Rule, RuleProblem, rule_rows, seed_rules

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ADMIN = Actor("ad-wu", Role.ADMIN)
KINDS = ("tsunami_warning", "heavy_rain", "earthquake_report")
DISTRICTS = ("cijin", "gushan", "lingya")
RAIN = Rule(name="rain", kind="heavy_rain", action=Action.DRAFT, districts=("cijin",))


@pytest.fixture
def factory(services):
    with services.session_factory.begin() as session:
        seed_rules(
            session,
            [
                Rule(name="tsunami", kind="tsunami_warning", action=Action.AUTO_SEND),
                Rule(name="desk", kind="*", action=Action.DRAFT, notify_duty=True),
            ],
            now=NOW,
        )
    return services.session_factory


def _state(factory) -> tuple[list[str], list[tuple[str, str]]]:
    with factory() as session:
        names = [row.name for row in rule_rows(session)]
        audit = [
            (e.action, e.summary)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.subject_type == "ingest_rule").order_by(AuditEntry.id)
            )
        ]
        return names, audit


def test_each_change_is_stored_with_an_audit_row_saying_what_changed(factory):
    with factory.begin() as session:
        rule_id = add_rule(session, ADMIN, RAIN, kinds=KINDS, districts=DISTRICTS, now=NOW).id
    with factory.begin() as session:
        changed = edit_rule(
            session,
            ADMIN,
            Rule(
                name="rain",
                kind="heavy_rain",
                action=Action.AUTO_SEND,
                min_severity="Severe",
                districts=("cijin", "gushan"),
            ),
            rule_id=rule_id,
            kinds=KINDS,
            districts=DISTRICTS,
            now=NOW,
        )
    assert changed == ["min_severity: none → Severe", "districts: cijin → cijin, gushan", "action: draft → auto_send"]
    with factory.begin() as session:
        move = reorder_rule(session, ADMIN, rule_id, up=True, now=NOW)
    assert (move.name, move.position, move.count, move.moved) == ("rain", 2, 3, True)
    with factory.begin() as session:
        removed = remove_rule(session, ADMIN, rule_id, now=NOW)
    assert removed.action is Action.AUTO_SEND
    names, audit = _state(factory)
    assert names == ["tsunami", "desk"]
    assert audit == [
        ("add_ingest_rule", "added rule 'rain' (3 of 3): kind heavy_rain, in cijin → draft"),
        (
            "edit_ingest_rule",
            "rule 'rain': min_severity: none → Severe; districts: cijin → cijin, gushan; action: draft → auto_send",
        ),
        ("move_ingest_rule", "rule 'rain' moved up: 3 → 2 of 3"),
        ("delete_ingest_rule", "deleted rule 'rain': kind heavy_rain, severity ≥ Severe, in cijin, gushan → auto_send"),
    ]


def test_nothing_is_stored_or_recorded_when_refused_or_unchanged(factory):
    with factory.begin() as session:
        rule_id = rule_rows(session)[0].id
        assert (
            edit_rule(
                session,
                ADMIN,
                Rule(name="tsunami", kind="tsunami_warning", action=Action.AUTO_SEND),
                rule_id=rule_id,
                kinds=KINDS,
                districts=DISTRICTS,
                now=NOW,
            )
            == []
        )
        assert not reorder_rule(session, ADMIN, rule_id, up=True, now=NOW).moved
    refusals = [
        (
            lambda s: add_rule(s, Actor("ed-lin", Role.EDITOR), RAIN, kinds=KINDS, districts=DISTRICTS, now=NOW),
            PermissionDenied,
        ),
        (
            lambda s: add_rule(
                s, ADMIN, Rule(name="desk", kind="*", action=Action.IGNORE), kinds=KINDS, districts=DISTRICTS, now=NOW
            ),
            NameTaken,
        ),
        (
            lambda s: add_rule(
                s,
                ADMIN,
                Rule(name="x", kind="*", action=Action.IGNORE, min_level="4"),
                kinds=KINDS,
                districts=DISTRICTS,
                now=NOW,
            ),
            RuleProblem,
        ),
        (lambda s: edit_rule(s, ADMIN, RAIN, rule_id=999, kinds=KINDS, districts=DISTRICTS, now=NOW), UnknownRule),
        (lambda s: remove_rule(s, Actor("ap-chen", Role.APPROVER), rule_id, now=NOW), PermissionDenied),
    ]
    before = _state(factory)
    for change, refused in refusals:
        with pytest.raises(refused), factory.begin() as session:
            change(session)
    assert _state(factory) == before == (["tsunami", "desk"], [])


def test_the_last_rule_stays(factory):
    with factory.begin() as session:
        first, last = (row.id for row in rule_rows(session))
        remove_rule(session, ADMIN, first, now=NOW)
    with pytest.raises(LastRule, match="the last rule cannot be deleted"), factory.begin() as session:
        remove_rule(session, ADMIN, last, now=NOW)
    assert _state(factory)[0] == ["desk"]


def test_a_rule_described_and_compared():
    rule = Rule(name="quake", kind="earthquake_report", action=Action.AUTO_SEND, min_level="4", notify_duty=True)
    assert describe(rule) == "kind earthquake_report, level ≥ 4, anywhere → auto_send (duty officers told)"
    assert changes(rule, rule) == []
    assert changes(rule, Rule(name="quake", kind="earthquake_report", action=Action.AUTO_SEND)) == [
        "min_level: 4 → none",
        "notify_duty: True → False",
    ]
