"""The console's ingest-rule pages: everyone reads the rules and how they work; admins add, edit, move and delete
them, each change with an audit row; a bad rule is refused next to its field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ingest.models import IngestRule
from tests.support.console_pages import Officer, check_accessible_structure, html, table_rows, text
from tests.support.incoming_pages import ingest_audit, rules_of, sign_in_viewer

CONFIGURED_RULES = ["earthquake intensity 4 or more", "tsunami", "typhoon land warning", "everything else to the desk"]


def test_everyone_reads_the_rules_and_how_they_work_but_only_admins_change_them(app, services):
    viewer = sign_in_viewer(app, services)
    tree = html(viewer.get("/console/incoming/rules"))
    check_accessible_structure(tree)
    rows = table_rows(tree, "Rules, in the order they are checked (4)")
    assert list(rows) == CONFIGURED_RULES
    assert rows["earthquake intensity 4 or more"][:6] == [
        "1",
        "Earthquake report",
        "—",
        "4",
        "Anywhere in Kaohsiung",
        "Send at once",
    ]
    assert rows["everything else to the desk"][1:7] == [
        "Any kind",
        "—",
        "—",
        "Anywhere in Kaohsiung",
        "Draft for officers",
        "Yes",
    ]
    assert "config.yaml" in rows["tsunami"][7]
    explained = text(tree, "//section[@class='explain']")
    for words in (
        "first rule that matches decides",
        "written and approved by the rule itself",
        "at most a training notice marked TEST",
        "waits for officers",
    ):
        assert words in explained
    assert not tree.xpath("//form[@method='post' and contains(@action, '/incoming/rules')]")
    assert "Only admins can change the rules." in text(tree)

    rule_id = _rule_id(services, "tsunami")
    for officer in (viewer, Officer(app, "ed-lin")):
        assert (
            officer.post("/console/incoming/rules/new", {"name": "mine", "kind": "*", "action": "ignore"}).status_code
            == 403
        )
        assert (
            officer.post(
                f"/console/incoming/rules/{rule_id}/edit", {"name": "x", "kind": "*", "action": "ignore"}
            ).status_code
            == 403
        )
        for action in ("up", "down", "delete"):
            assert officer.post(f"/console/incoming/rules/{rule_id}/{action}").status_code == 403
        assert officer.get(f"/console/incoming/rules/{rule_id}/edit").status_code == 403
    assert [name for name, _kind, _action in rules_of(services)] == CONFIGURED_RULES
    assert ingest_audit(services) == []


def _rule_id(services, name: str) -> int:
    with services.session_factory() as session:
        return session.scalar(select(IngestRule.id).where(IngestRule.name == name))


def test_an_admin_adds_edits_moves_and_deletes_rules_each_with_an_audit_row(app, services):
    admin = Officer(app, "ad-wu")
    tree = html(admin.get("/console/incoming/rules"))
    check_accessible_structure(tree)
    assert tree.xpath("//form[@action='/console/incoming/rules/new']//select[@id='f-kind']/option[@value='heavy_rain']")

    response = admin.post(
        "/console/incoming/rules/new",
        {
            "name": "  heavy rain  in Cijin ",
            "kind": "heavy_rain",
            "min_severity": "Severe",
            "min_level": "",
            "districts": ["cijin", "gushan"],
            "action": "draft",
            "notify_duty": "1",
        },
    )
    assert response.status_code == 303
    page = html(admin.get(response.headers["Location"]))
    assert "The rule “heavy rain in Cijin” is added, after the others." in text(page)
    row = table_rows(page, "Rules")["heavy rain in Cijin"]
    assert row[:7] == [
        "5",
        "Heavy rain advisory",
        "Severe",
        "—",
        "Cijin District, Gushan District",
        "Draft for officers",
        "Yes",
    ]
    assert row[7].startswith("ad-wu")
    rule_id = _rule_id(services, "heavy rain in Cijin")
    with services.session_factory() as session:
        stored = session.get(IngestRule, rule_id)
        assert (
            stored.kind,
            stored.min_severity,
            stored.districts,
            stored.action,
            stored.notify_duty,
            stored.updated_by,
        ) == ("heavy_rain", "Severe", ["cijin", "gushan"], "draft", True, "ad-wu")

    edit = html(admin.get(f"/console/incoming/rules/{rule_id}/edit"))
    check_accessible_structure(edit)
    assert edit.xpath("//input[@id='f-name']/@value") == ["heavy rain in Cijin"]
    assert edit.xpath("//input[@id='f-districts-cijin']/@checked")
    response = admin.post(
        f"/console/incoming/rules/{rule_id}/edit",
        {
            "name": "heavy rain in Cijin",
            "kind": "heavy_rain",
            "min_severity": "Extreme",
            "districts": ["cijin"],
            "action": "auto_send",
            "notify_duty": "1",
        },
    )
    assert response.status_code == 303
    assert "The rule “heavy rain in Cijin” is saved." in text(html(admin.get(response.headers["Location"])))
    unchanged = admin.post(
        f"/console/incoming/rules/{rule_id}/edit",
        {
            "name": "heavy rain in Cijin",
            "kind": "heavy_rain",
            "min_severity": "Extreme",
            "districts": ["cijin"],
            "action": "auto_send",
            "notify_duty": "1",
        },
    )
    assert "Nothing was changed." in text(html(admin.get(unchanged.headers["Location"])))

    response = admin.post(f"/console/incoming/rules/{rule_id}/up")
    assert "is now number 4 of 5" in text(html(admin.get(response.headers["Location"])))
    assert [name for name, _k, _a in rules_of(services)][3:] == ["heavy rain in Cijin", "everything else to the desk"]
    first = _rule_id(services, CONFIGURED_RULES[0])
    response = admin.post(f"/console/incoming/rules/{first}/up")
    assert "is already first" in text(html(admin.get(response.headers["Location"])))
    response = admin.post(f"/console/incoming/rules/{_rule_id(services, 'tsunami')}/down")
    assert [name for name, _k, _a in rules_of(services)] == [
        "earthquake intensity 4 or more",
        "typhoon land warning",
        "tsunami",
        "heavy rain in Cijin",
        "everything else to the desk",
    ]
    response = admin.post(f"/console/incoming/rules/{rule_id}/delete")
    assert "The rule “heavy rain in Cijin” is deleted." in text(html(admin.get(response.headers["Location"])))
    assert "heavy rain in Cijin" not in [name for name, _k, _a in rules_of(services)]

    audit = ingest_audit(services)
    assert [action for action, _id, _summary in audit] == [
        "add_ingest_rule",
        "edit_ingest_rule",
        "move_ingest_rule",
        "move_ingest_rule",
        "delete_ingest_rule",
    ]
    assert audit[0][1] == str(rule_id)
    assert audit[0][2] == (
        "added rule 'heavy rain in Cijin' (5 of 5): kind heavy_rain, severity ≥ Severe, "
        "in cijin, gushan → draft (duty officers told)"
    )
    assert audit[1][2] == (
        "rule 'heavy rain in Cijin': min_severity: Severe → Extreme; districts: cijin, gushan → "
        "cijin; action: draft → auto_send"
    )
    assert audit[2][2] == "rule 'heavy rain in Cijin' moved up: 5 → 4 of 5"
    assert audit[4][2].startswith("deleted rule 'heavy rain in Cijin': kind heavy_rain")
    log = html(admin.get("/console/audit?subject_type=ingest_rule"))
    assert "added an ingest rule" in text(log) and "changed an ingest rule" in text(log)
    assert log.xpath("//td/a[@href='/console/incoming/rules']")

    for name in CONFIGURED_RULES[1:]:
        assert admin.post(f"/console/incoming/rules/{_rule_id(services, name)}/delete").status_code == 303
    response = admin.post(f"/console/incoming/rules/{first}/delete")
    assert "The last rule cannot be deleted" in text(html(admin.get(response.headers["Location"])))
    assert rules_of(services) == [("earthquake intensity 4 or more", "earthquake_report", "auto_send")]
    assert admin.post("/console/incoming/rules/999999/delete").status_code == 404
    assert admin.get("/console/incoming/rules/999999/edit").status_code == 404
    assert admin.post(f"/console/incoming/rules/{first}/sideways").status_code == 404


GOOD = {
    "name": "dengue in Sanmin",
    "kind": "dengue_outbreak",
    "min_severity": "",
    "min_level": "",
    "districts": ["sanmin"],
    "action": "draft",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "volcano"}, "kind", "“volcano” is not a notice kind"),
        ({"kind": "*", "min_level": "4"}, "min_level", "A level belongs to one notice kind"),
        ({"name": "   "}, "name", "Give the rule a name of 1 to 120 characters."),
        ({"name": "x" * 121}, "name", "Give the rule a name of 1 to 120 characters."),
        ({"name": "tsunami"}, "name", "Another rule is already called “tsunami”."),
        ({"min_severity": "Catastrophic"}, "min_severity", "Choose a severity from the list."),
        ({"districts": ["sanmin", "atlantis"]}, "districts", "Not a district of Kaohsiung: atlantis."),
        ({"action": "shout"}, "action", "Choose what to do"),
        ({"name": "dengue\x07 in Sanmin"}, "name", "The field “Name” contains a control character (U+0007)"),
        ({"min_level": "4\u202e"}, "min_level", "contains a bidirectional control (U+202E)"),
        ({"districts": ["sanmin\x00"]}, "districts", "contains a NUL character"),
    ],
)
def test_a_bad_rule_is_refused_next_to_its_field_and_nothing_is_stored(app, services, change, field, message):
    admin = Officer(app, "ad-wu")
    admin.get("/console/incoming/rules")  # the configured rules are written on the first view
    before = rules_of(services)
    response = admin.post("/console/incoming/rules/new", GOOD | change)
    assert response.status_code == 422
    tree = html(response)
    check_accessible_structure(tree)
    assert "\x07" not in response.get_data(as_text=True) and "\x00" not in response.get_data(as_text=True)
    errors = tree.xpath(f"//p[@id='f-{field}-error']")
    assert len(errors) == 1 and message in text(errors[0], "."), text(tree, "//div[@class='error-summary']")
    assert tree.xpath(f"//*[@id='f-{field}' or @id='f-{field}-hint']") or field == "action"
    assert rules_of(services) == before and ingest_audit(services) == []

    rule_id = _rule_id(services, "typhoon land warning")
    response = admin.post(f"/console/incoming/rules/{rule_id}/edit", GOOD | change)
    assert response.status_code == 422
    assert message in text(html(response), f"//p[@id='f-{field}-error']")
    assert rules_of(services) == before and ingest_audit(services) == []


def test_the_rule_forms_keep_the_language_of_the_console(app, services):
    admin = Officer(app, "ad-wu", "zh-Hant")
    tree = html(admin.get("/console/incoming/rules"))
    assert tree.get("lang") == "zh-Hant"
    assert "第一條符合的規則決定處理方式" in text(tree) and "任何種類" in text(tree)
    response = admin.post("/console/incoming/rules/new", GOOD | {"kind": "*", "min_level": "4"})
    assert "等級只適用於單一訊息種類" in text(html(response), "//p[@id='f-min_level-error']")
    assert admin.get("/console/incoming/rules/new").status_code == 302  # e.g. after switching the language
