"""The console's pages for alerts from the national CAP platform: the list, one alert with its source text and
raw document, the download, and the ingest rules that admins change (with audit rows) and others only read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.office.accounts import create_officer
from bot.office.models import AuditEntry
from ingest.models import IngestRule, Outcome
from ingest.rules import rule_rows
from tests.support.console_pages import Officer, check_accessible_structure, html, table_rows, text
from tests.support.factories import saved_notice
from tests.support.incoming import incoming_alert, real_alert

HOSTILE = b"<script>alert(1)</script>\x01 <img src=x onerror=alert(2)> \xff\xfe not UTF-8"
VIEWER_PASSWORD = "viewer-password-2026"
CONFIGURED_RULES = ["earthquake intensity 4 or more", "tsunami", "typhoon land warning", "everything else to the desk"]


def _at(minutes_ago: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes_ago)


@pytest.fixture
def alerts(services):
    """Six documents as the intake leaves them, oldest first: sent, training, drafted, failed, duplicate, rejected."""
    with services.session_factory.begin() as session:
        notice_id = saved_notice(session, services.composer, "emergency_parking").id
        parking = real_alert("KHC_Parking_20190823224823.xml")
        rows = {
            "sent": incoming_alert(
                session,
                parking,
                received_at=_at(60),
                sender="kcg.gov.tw",
                identifier="KHC_Parking_20190823224823",
                sent="2019-08-23T22:33:00+08:00",
                status="Actual",
                msg_type="Alert",
                event_code="Parking",
                kind="emergency_parking",
                districts=["lingya", "cijin"],
                outcome=Outcome.SENT,
                rule="parking",
                reason="rule 'parking': sent to residents",
                notice_id=notice_id,
            ),
            "training": incoming_alert(
                session,
                real_alert("CDC_communicable_20190521123448_001.xml"),
                received_at=_at(50),
                source="poll",
                origin="cdc feed",
                sender="cdc.gov.tw",
                identifier="CDC_communicable_20190521123448_001",
                status="Test",
                msg_type="Alert",
                event_code="communicable",
                kind="disease_advisory",
                districts=["gushan"],
                outcome=Outcome.TRAINING,
                reason="rule 'everything else to the desk': a training draft waits",
            ),
            "drafted": incoming_alert(
                session,
                received_at=_at(40),
                status="Actual",
                msg_type="Alert",
                kind="heavy_rain",
                districts=["sanmin"],
                outcome=Outcome.DRAFTED,
                reason="rule 'everything else to the desk': a draft waits for officers",
            ),
            "failed": incoming_alert(
                session,
                received_at=_at(30),
                status="Actual",
                msg_type="Update",
                kind="typhoon_land_warning",
                outcome=Outcome.FAILED,
                reason="the alert does not make a valid typhoon_land_warning notice",
            ),
        }
        rows["duplicate"] = incoming_alert(
            session,
            parking,
            received_at=_at(20),
            source="file",
            origin="KHC_Parking.xml (imported by ad-wu)",
            sender="kcg.gov.tw",
            identifier="KHC_Parking_20190823224823",
            status="Actual",
            msg_type="Alert",
            outcome=Outcome.DUPLICATE,
            duplicate_of=rows["sent"].id,
        )
        rows["rejected"] = incoming_alert(
            session,
            HOSTILE,
            received_at=_at(10),
            origin="198.51.100.9",
            outcome=Outcome.REJECTED,
            reason="not well-formed XML: <script>alert(3)</script>",
        )
        return {name: row.id for name, row in rows.items()} | {"notice": notice_id}


def _viewer(app, services) -> Officer:
    with services.session_factory.begin() as session:
        create_officer(session, "vw-ho", "viewer", display_name="Ho", password=VIEWER_PASSWORD)
    return Officer(app, "vw-ho", password=VIEWER_PASSWORD)


def _ingest_audit(services) -> list[tuple[str, str, str]]:
    with services.session_factory() as session:
        return [
            (e.action, e.subject_id, e.summary or "")
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.subject_type == "ingest_rule").order_by(AuditEntry.id)
            )
        ]


def _rules(services) -> list[tuple[str, str, str]]:
    with services.session_factory() as session:
        return [(row.name, row.kind, row.action) for row in rule_rows(session)]


# ----------------------------------------------------------------------------- the list


def test_the_list_shows_what_came_in_newest_first_with_tests_and_what_needs_officers_standing_out(
    app, services, alerts
):
    viewer = _viewer(app, services)
    response = viewer.get("/console/incoming")
    assert response.status_code == 200
    tree = html(response)
    check_accessible_structure(tree)
    assert tree.xpath("//nav//a[@href='/console/incoming' and @aria-current='page']")
    rows = table_rows(tree, "Incoming alerts (6)")
    order = ["rejected", "duplicate", "failed", "drafted", "training", "sent"]
    assert list(rows) == [f"#{alerts[name]}" for name in order]

    sent = rows[f"#{alerts['sent']}"]
    assert "pushed by the platform" in sent[1] and "203.0.113.7" in sent[1]
    assert sent[2:8] == [
        "kcg.gov.tw",
        "KHC_Parking_20190823224823",
        "Actual",
        "Alert",
        "Parking",
        "Typhoon emergency parking",
    ]
    assert sent[8] == "Lingya District、Cijin District"
    assert sent[9].startswith("sent to residents") and "rule 'parking'" in sent[9]
    assert sent[10] == "parking" and sent[11] == f"Notice {alerts['notice']}"
    assert tree.xpath(f"//a[@href='/console/notices/{alerts['notice']}']")

    training = rows[f"#{alerts['training']}"]
    assert training[4] == "TEST Test" and "polled feed" in training[1]
    badge = tree.xpath(f"//tr[th/a[@href='/console/incoming/{alerts['training']}']]//strong[@class='badge test']")
    assert [b.text_content() for b in badge] == ["TEST"]

    duplicate = rows[f"#{alerts['duplicate']}"]
    assert duplicate[11] == f"Duplicate of alert #{alerts['sent']}" and "imported file" in duplicate[1]
    assert tree.xpath(f"//a[@href='/console/incoming/{alerts['sent']}']")

    standing_out = tree.xpath("//tr[contains(@class, 'needs-officers')]/th")
    assert [text(th, ".") for th in standing_out] == [f"#{alerts['failed']}", f"#{alerts['drafted']}"]
    assert "failed: an officer must act" in rows[f"#{alerts['failed']}"][9]
    assert "draft waits for officers" in rows[f"#{alerts['drafted']}"][9]
    assert "2 alerts need an officer" in text(tree)

    viewer.language("zh-Hant")
    tree = html(viewer.get("/console/incoming"))
    assert tree.get("lang") == "zh-Hant"
    check_accessible_structure(tree)
    listed = text(tree)
    assert "苓雅區、旗津區" in listed and "外來警報" in listed and "測試" in listed and "失敗：需人員處理" in listed


def test_the_list_filters_by_outcome_and_pages(app, services, alerts):
    viewer = _viewer(app, services)

    def listed(url: str) -> list[str]:
        return list(table_rows(html(viewer.get(url)), "Incoming alerts"))

    assert listed("/console/incoming?outcome=failed") == [f"#{alerts['failed']}"]
    assert listed("/console/incoming?outcome=duplicate") == [f"#{alerts['duplicate']}"]
    assert listed("/console/incoming?outcome=attention") == [f"#{alerts['failed']}", f"#{alerts['drafted']}"]
    assert len(listed("/console/incoming?outcome=no-such-outcome")) == 6  # an unknown one filters nothing
    assert "Nothing has come in." in text(html(viewer.get("/console/incoming?outcome=cancelled")))

    with services.session_factory.begin() as session:
        older = [incoming_alert(session, received_at=_at(120 + n), outcome=Outcome.IGNORED).id for n in range(51)]
    first = html(viewer.get("/console/incoming"))
    assert len(table_rows(first, "Incoming alerts (57)")) == 50
    assert "Page 1 of 2" in text(first) and first.xpath("//nav[@class='pager']/a[@href='/console/incoming?page=2']")
    second = table_rows(html(viewer.get("/console/incoming?page=2")), "Incoming alerts (57)")
    assert list(second) == [f"#{row_id}" for row_id in older[-7:]]  # the oldest, last
    ignored = html(viewer.get("/console/incoming?outcome=ignored"))
    assert len(table_rows(ignored, "Incoming alerts (51)")) == 50
    assert ignored.xpath("//nav[@class='pager']/a[@href='/console/incoming?page=2&outcome=ignored']")
    assert list(table_rows(html(viewer.get("/console/incoming?outcome=ignored&page=2")), "Incoming alerts (51)")) == [
        f"#{older[-1]}"
    ]
    assert viewer.get("/console/incoming?page=x").status_code == 404
    assert viewer.get("/console/incoming?outcome=%01").status_code == 400  # refused at the door


# ----------------------------------------------------------------------------- one alert and its document


def test_an_alert_shows_its_record_and_the_sources_own_text(app, services, alerts):
    viewer = _viewer(app, services)
    response = viewer.get(f"/console/incoming/{alerts['sent']}")
    assert response.status_code == 200
    tree = html(response)
    check_accessible_structure(tree)
    page = text(tree)
    assert f"Incoming alert #{alerts['sent']}" in page and "kcg.gov.tw" in page and "2019-08-23T22:33:00+08:00" in page
    source = tree.xpath("//section[@class='source-info']/dl[@lang='zh-TW']")
    assert len(source) == 1
    assert "因應白鹿颱風來襲，本市自今(8/23)日下午22時起開放331處臨時停車處所" in text(source[0], ".")
    assert "開放臨時停車" in text(source[0], ".")
    size = len(real_alert("KHC_Parking_20190823224823.xml"))
    assert f"{size:,} bytes." in page
    assert tree.xpath(f"//a[@href='/console/incoming/{alerts['sent']}/raw']")
    assert "<identifier>KHC_Parking_20190823224823</identifier>" in text(tree, "//pre")
    assert viewer.get("/console/incoming/999999").status_code == 404
    assert viewer.get("/console/incoming/999999/raw").status_code == 404

    training = html(viewer.get(f"/console/incoming/{alerts['training']}"))
    assert "TEST / 測試 — this alert's status is Test" in text(training, "//p[@class='training-banner']")
    failed = html(viewer.get(f"/console/incoming/{alerts['failed']}"))
    assert "an officer must write or send it" in text(failed, "//p[@class='attention-summary']")
    duplicate = html(viewer.get(f"/console/incoming/{alerts['duplicate']}"))
    assert duplicate.xpath(f"//dd/a[@href='/console/incoming/{alerts['sent']}']")


def test_a_hostile_document_is_shown_escaped_and_downloaded_never_rendered(app, services, alerts):
    viewer = _viewer(app, services)
    response = viewer.get(f"/console/incoming/{alerts['rejected']}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body and "\x01" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;img src=x onerror=alert(2)&gt;" in body
    tree = html(response)
    check_accessible_structure(tree)
    assert not tree.xpath("//script[not(@src)]") and not tree.xpath("//img")
    pre = text(tree, "//pre")
    assert "<script>alert(1)</script>U+0001 <img src=x onerror=alert(2)> \ufffd\ufffd not UTF-8" == pre
    assert tree.xpath("//pre/mark[@class='invisible']")[0].text == "U+0001"
    assert "not UTF-8: it is shown with replacement characters" in text(tree)
    assert "cannot be read as a CAP 1.2 alert" in text(tree)  # why, in the reader's words, escaped as well
    assert "not well-formed XML: <script>alert(3)</script>" in text(tree)

    raw = viewer.get(f"/console/incoming/{alerts['rejected']}/raw")
    assert raw.status_code == 200 and raw.data == HOSTILE
    assert raw.mimetype == "application/octet-stream"
    assert raw.headers["Content-Disposition"] == f'attachment; filename="incoming-{alerts["rejected"]}.cap"'
    assert raw.headers["X-Content-Type-Options"] == "nosniff"


def test_hostile_text_inside_a_valid_alert_is_escaped_and_its_invisible_characters_shown(app, services):
    parking = real_alert("KHC_Parking_20190823224823.xml").decode("utf-8")
    start, end = parking.index("<headline>") + len("<headline>"), parking.index("</headline>")
    hostile = parking[:start] + "&lt;script&gt;alert(4)&lt;/script&gt; \u202etxt.exe" + parking[end:]
    with services.session_factory.begin() as session:
        row_id = incoming_alert(
            session,
            hostile.encode("utf-8"),
            origin="198.51.100.1 \u202e",
            identifier="<b>KHC</b>",
            outcome=Outcome.IGNORED,
        ).id
    viewer = _viewer(app, services)
    response = viewer.get(f"/console/incoming/{row_id}")
    body = response.get_data(as_text=True)
    assert "<script>alert(4)" not in body and "<b>KHC</b>" not in body and "\u202e" not in body
    tree = html(response)
    assert "<script>alert(4)</script> U+202Etxt.exe" in text(tree, "//section[@class='source-info']//dd")
    assert "198.51.100.1 U+202E" in text(tree, "//dl[@class='facts']")
    listed = viewer.get("/console/incoming").get_data(as_text=True)
    assert "<b>KHC</b>" not in listed and "&lt;b&gt;KHC&lt;/b&gt;" in listed and "\u202e" not in listed


# ----------------------------------------------------------------------------- the rules


def test_everyone_reads_the_rules_and_how_they_work_but_only_admins_change_them(app, services):
    viewer = _viewer(app, services)
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
    assert [name for name, _kind, _action in _rules(services)] == CONFIGURED_RULES
    assert _ingest_audit(services) == []


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
        "Cijin District、Gushan District",
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
    assert [name for name, _k, _a in _rules(services)][3:] == ["heavy rain in Cijin", "everything else to the desk"]
    first = _rule_id(services, CONFIGURED_RULES[0])
    response = admin.post(f"/console/incoming/rules/{first}/up")
    assert "is already first" in text(html(admin.get(response.headers["Location"])))
    response = admin.post(f"/console/incoming/rules/{_rule_id(services, 'tsunami')}/down")
    assert [name for name, _k, _a in _rules(services)] == [
        "earthquake intensity 4 or more",
        "typhoon land warning",
        "tsunami",
        "heavy rain in Cijin",
        "everything else to the desk",
    ]
    response = admin.post(f"/console/incoming/rules/{rule_id}/delete")
    assert "The rule “heavy rain in Cijin” is deleted." in text(html(admin.get(response.headers["Location"])))
    assert "heavy rain in Cijin" not in [name for name, _k, _a in _rules(services)]

    audit = _ingest_audit(services)
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
    assert _rules(services) == [("earthquake intensity 4 or more", "earthquake_report", "auto_send")]
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
    before = _rules(services)
    response = admin.post("/console/incoming/rules/new", GOOD | change)
    assert response.status_code == 422
    tree = html(response)
    check_accessible_structure(tree)
    assert "\x07" not in response.get_data(as_text=True) and "\x00" not in response.get_data(as_text=True)
    errors = tree.xpath(f"//p[@id='f-{field}-error']")
    assert len(errors) == 1 and message in text(errors[0], "."), text(tree, "//div[@class='error-summary']")
    assert tree.xpath(f"//*[@id='f-{field}' or @id='f-{field}-hint']") or field == "action"
    assert _rules(services) == before and _ingest_audit(services) == []

    rule_id = _rule_id(services, "typhoon land warning")
    response = admin.post(f"/console/incoming/rules/{rule_id}/edit", GOOD | change)
    assert response.status_code == 422
    assert message in text(html(response), f"//p[@id='f-{field}-error']")
    assert _rules(services) == before and _ingest_audit(services) == []


def test_the_rule_forms_keep_the_language_of_the_console(app, services):
    admin = Officer(app, "ad-wu", "zh-Hant")
    tree = html(admin.get("/console/incoming/rules"))
    assert tree.get("lang") == "zh-Hant"
    assert "第一條符合的規則決定處理方式" in text(tree) and "任何種類" in text(tree)
    response = admin.post("/console/incoming/rules/new", GOOD | {"kind": "*", "min_level": "4"})
    assert "等級只適用於單一訊息種類" in text(html(response), "//p[@id='f-min_level-error']")
    assert admin.get("/console/incoming/rules/new").status_code == 302  # e.g. after switching the language
