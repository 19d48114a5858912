"""The ingest rules on the console: every officer sees them in order; admins add, edit, delete and move them.

Each change goes through ``bot.office.ingest_rules`` (checked by ``ingest.rules.check_rule`` against the kind
book and the glossary's districts, stored with its audit row in one transaction). The forms name each bad
field next to it and store nothing; their text is checked here, field by field, rather than at the door.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from bot.console import blueprint
from bot.console.auth import current_actor, now, officer_required, services
from bot.console.names import district_name, helpers
from bot.console.refusals import text_problem as said_text_problem
from bot.console.ui import translate
from bot.console.views_notices import kind_title
from bot.office.accounts import Permission
from bot.office.ingest_rules import (
    LastRule,
    NameTaken,
    UnknownRule,
    add_rule,
    edit_rule,
    remove_rule,
    reorder_rule,
    rule_of,
)
from ingest.models import IngestRule
from ingest.rules import ANY_KIND, CAP_SEVERITIES, Action, Rule, RuleProblem, rule_rows
from messages.text import TextRefused, clean_text, text_problem, without_refused

# The longest each single-line field may be, as typed (the rule's own checks come after).
TEXT_LIMITS = {"name": 200, "kind": 64, "min_severity": 16, "min_level": 32, "action": 16}
RULE_ACTIONS = ("up", "down", "delete")


def kind_choices() -> list[tuple[str, str]]:
    kinds = services().kinds.kinds
    return [(ANY_KIND, translate("rules.any_kind"))] + sorted(
        ((k, kind_title(k)) for k in kinds), key=lambda item: item[1]
    )


def district_keys() -> list[str]:
    return [term.key for term in services().glossary.terms("district")]


def field_label(name: str) -> str:
    return translate(f"rules.field_{name}")


def form_of(rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {
            "name": "",
            "kind": ANY_KIND,
            "min_severity": "",
            "min_level": "",
            "districts": [],
            "action": Action.DRAFT.value,
            "notify_duty": False,
        }
    return {
        "name": rule.name,
        "kind": rule.kind,
        "min_severity": rule.min_severity or "",
        "min_level": rule.min_level or "",
        "districts": list(rule.districts),
        "action": rule.action.value,
        "notify_duty": rule.notify_duty,
    }


def read_form(form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's values (refused characters taken out, to show again) and what is refused in it: text with
    refused characters, an unknown action, or a field the form does not have holding such text."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, limit in TEXT_LIMITS.items():
        typed = form.get(name, "")
        try:
            values[name] = clean_text(name, typed, max_length=limit).strip()
        except TextRefused as exc:
            errors[name] = translate(
                "text.refused_field", field=field_label(name), reason=said_text_problem(exc.reason)
            )
            values[name] = without_refused(typed, multiline=False)[:limit].strip()
    chosen = form.getlist("districts")
    problems = [problem for value in chosen if (problem := text_problem(value))]
    if problems:
        errors["districts"] = translate(
            "text.refused_field", field=field_label("districts"), reason=said_text_problem(problems[0])
        )
    values["districts"] = [value for value in chosen if not text_problem(value)]
    values["notify_duty"] = bool(form.get("notify_duty"))
    if "action" not in errors and values["action"] not in {a.value for a in Action}:
        errors["action"] = translate("rules.error_action")
    others = sorted(set(form) - set(values) - {"csrf_token"})
    if any(text_problem(name) or text_problem(form.get(name, "")) for name in others):
        errors["_"] = translate("rules.error_form")
    return values, errors


def problem_errors(problem: RuleProblem, values: dict[str, Any]) -> dict[str, str]:
    """What ``check_rule`` or the office refused, next to its field, in the officer's language."""
    field = str(problem).partition(":")[0]
    if isinstance(problem, NameTaken):
        return {"name": translate("rules.error_name_taken", name=" ".join(values["name"].split()))}
    if field == "name":
        return {"name": translate("rules.error_name")}
    if field == "kind":
        return {"kind": translate("rules.error_kind", kind=values["kind"])}
    if field == "min_severity":
        return {"min_severity": translate("rules.error_severity")}
    if field == "min_level":
        if values["kind"] == ANY_KIND:
            return {"min_level": translate("rules.error_level_any_kind")}
        return {"min_level": translate("rules.error_level", level=values["min_level"], kind=kind_title(values["kind"]))}
    if field == "districts":
        unknown = [value for value in values["districts"] if value not in set(district_keys())]
        return {"districts": translate("rules.error_districts", districts="、".join(unknown))}
    if field == "action":
        return {"action": translate("rules.error_action")}
    return {"_": str(problem)}


def rule_from(values: dict[str, Any]) -> Rule:
    return Rule(
        name=values["name"],
        kind=values["kind"],
        action=Action(values["action"]),
        min_severity=values["min_severity"] or None,
        min_level=values["min_level"] or None,
        districts=tuple(values["districts"]),
        notify_duty=values["notify_duty"],
    )


def form_context() -> dict[str, Any]:
    keys = district_keys()
    return {
        "kind_choices": kind_choices(),
        "severities": CAP_SEVERITIES,
        "actions": [a.value for a in Action],
        "district_choices": [(key, district_name(key)) for key in keys],
        "any_kind": ANY_KIND,
        **helpers(),
    }


def _seeded() -> None:
    """The configured rules, when none are stored yet, as the alert desk writes them when it starts: what is shown
    and changed here is what decides."""
    services().seed_ingest_rules()


def _rules_page(
    *, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    _seeded()
    with services().session_factory() as session:
        rows = rule_rows(session)
        for row in rows:
            session.expunge(row)
    return render_template(
        "console/ingest_rules.html",
        title=translate("rules.title"),
        rows=rows,
        form=form or form_of(None),
        errors=errors or {},
        **form_context(),
    ), status


@blueprint.get("/incoming/rules")
@officer_required()
def ingest_rules() -> Any:
    return _rules_page()


def _save(rule_id: int | None) -> tuple[dict[str, Any], dict[str, str], list[str] | None]:
    """Check and store the submitted rule: the form's values, the errors, and what changed (None on error)."""
    values, errors = read_form(request.form)
    if errors:
        return values, errors, None
    _seeded()
    svc = services()
    kinds, districts = list(svc.kinds.kinds), district_keys()
    try:
        with svc.session_factory.begin() as session:
            if rule_id is None:
                row = add_rule(session, current_actor(), rule_from(values), kinds=kinds, districts=districts, now=now())
                changed = [row.name]
            else:
                changed = edit_rule(
                    session,
                    current_actor(),
                    rule_from(values),
                    rule_id=rule_id,
                    kinds=kinds,
                    districts=districts,
                    now=now(),
                )
    except UnknownRule:
        abort(404)
    except RuleProblem as problem:
        return values, problem_errors(problem, values), None
    return values, {}, changed


# The forms answer on their own URL; a GET there, as after switching the console's language, goes back.
@blueprint.route("/incoming/rules/new", methods=["GET", "POST"])
@officer_required(Permission.MANAGE_OFFICERS)
def ingest_rule_create() -> Any:
    if request.method == "GET":
        return redirect(url_for("console.ingest_rules"))
    values, errors, changed = _save(None)
    if changed is None:
        return _rules_page(form=values, errors=errors, status=422)
    flash(translate("rules.added", name=changed[0]), "success")
    return redirect(url_for("console.ingest_rules"), 303)


def _edit_page(
    rule_id: int, *, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    with services().session_factory() as session:
        row = session.get(IngestRule, rule_id)
        if row is None:
            abort(404)
        rule = rule_of(row)
    return render_template(
        "console/ingest_rule_edit.html",
        title=translate("rules.edit_title", name=rule.name),
        rule_id=rule_id,
        rule=rule,
        form=form or form_of(rule),
        errors=errors or {},
        **form_context(),
    ), status


@blueprint.route("/incoming/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@officer_required(Permission.MANAGE_OFFICERS)
def ingest_rule_edit(rule_id: int) -> Any:
    if request.method == "GET":
        return _edit_page(rule_id)
    values, errors, changed = _save(rule_id)
    if changed is None:
        return _edit_page(rule_id, form=values, errors=errors, status=422)
    if changed:
        flash(translate("rules.saved", name=" ".join(values["name"].split())), "success")
    else:
        flash(translate("rules.unchanged"), "info")
    return redirect(url_for("console.ingest_rules"), 303)


@blueprint.route("/incoming/rules/<int:rule_id>/<action>", methods=["GET", "POST"])
@officer_required(Permission.MANAGE_OFFICERS)
def ingest_rule_action(rule_id: int, action: str) -> Any:
    if action not in RULE_ACTIONS:
        abort(404)
    if request.method == "GET":
        return redirect(url_for("console.ingest_rules"))
    try:
        with services().session_factory.begin() as session:
            if action == "delete":
                removed = remove_rule(session, current_actor(), rule_id, now=now())
                message, category = translate("rules.deleted", name=removed.name), "success"
            else:
                move = reorder_rule(session, current_actor(), rule_id, up=action == "up", now=now())
                if move.moved:
                    message, category = (
                        translate("rules.moved", name=move.name, position=move.position, count=move.count),
                        "success",
                    )
                else:
                    message, category = (
                        translate(f"rules.already_{'first' if action == 'up' else 'last'}", name=move.name),
                        "info",
                    )
    except UnknownRule:
        abort(404)
    except LastRule:
        flash(translate("rules.error_last"), "error")
        return redirect(url_for("console.ingest_rules"), 303)
    flash(message, category)
    return redirect(url_for("console.ingest_rules"), 303)
