"""Ingest rules: the first match decides; levels are the kind's own; rules are checked before they are kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.rules import (
    Action,
    Rule,
    RuleProblem,
    check_rule,
    current_rules,
    first_match,
    move_rule,
    save_rule,
    seed_rules,
)
from messages.cap_tw import Reading

NOW = datetime(2026, 12, 7, tzinfo=UTC)
QUAKE_4 = Rule("quake 4+", "earthquake_report", Action.AUTO_SEND, min_level="4")
NORTH = Rule("rain north", "heavy_rain", Action.IGNORE, districts=("namasia",))
ELSE = Rule("else", "*", Action.DRAFT, min_severity="Moderate")


def reading(
    kind: str | None, *, level: str | None = None, severity: str = "Moderate", districts: tuple[str, ...] = ("lingya",)
) -> Reading:
    return Reading(
        event_code="",
        kind=kind,
        params={},
        districts=districts,
        severity=severity,
        level=level,
        effective=None,
        expires=None,
        source_text="",
        reason=None,
    )


@pytest.mark.parametrize(
    ("alert", "decided_by"),
    [
        (reading("earthquake_report", level="4"), "quake 4+"),
        (reading("earthquake_report", level="5+"), "quake 4+"),
        (reading("earthquake_report", level="3"), "else"),
        (reading("earthquake_report", level="3", severity="Minor"), None),
        (reading("heavy_rain", level="torrential_rain", districts=("namasia", "taoyuan")), "rain north"),
        (reading("heavy_rain", level="torrential_rain", districts=("lingya",)), "else"),
    ],
)
def test_the_first_matching_rule_decides(alert, decided_by):
    rule = first_match([QUAKE_4, NORTH, ELSE], alert)
    assert (rule.name if rule else None) == decided_by


KINDS = ("earthquake_report", "heavy_rain")
DISTRICTS = ("lingya", "namasia")


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (Rule("", "*", Action.DRAFT), "name:"),
        (Rule("x", "volcano", Action.DRAFT), "kind: 'volcano' is not a notice kind"),
        (Rule("x", "*", Action.DRAFT, min_level="4"), "min_level: a level belongs to one kind"),
        (Rule("x", "earthquake_report", Action.DRAFT, min_level="9"), "min_level:"),
        (Rule("x", "*", Action.DRAFT, min_severity="Terrible"), "min_severity:"),
        (Rule("x", "*", Action.DRAFT, districts=("atlantis",)), "districts: atlantis is not a district"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_naming_the_field(rule, problem):
    with pytest.raises(RuleProblem, match=problem):
        check_rule(rule, kinds=KINDS, districts=DISTRICTS)


def test_configured_rules_are_written_once_then_kept_as_admins_change_them(session_factory):
    with session_factory.begin() as session:
        assert seed_rules(session, [QUAKE_4, ELSE], now=NOW)
    with session_factory.begin() as session:
        assert not seed_rules(session, [NORTH], now=NOW)
        row = save_rule(session, NORTH, rule_id=None, by="admin", now=NOW)
        move_rule(session, row.id, up=True)
    with session_factory.begin() as session:
        assert [rule.name for rule in current_rules(session)] == ["quake 4+", "rain north", "else"]
        with pytest.raises(RuleProblem, match="another rule is called 'else'"):
            save_rule(session, Rule("else", "*", Action.IGNORE), rule_id=row.id, by="admin", now=NOW)
