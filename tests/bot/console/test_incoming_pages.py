"""The console's pages for alerts from the national CAP platform: the list, one alert with its source text and
raw document, the download, and the ingest rules that admins change (with audit rows) and others only read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest.models import Outcome
from tests.support.console_pages import check_accessible_structure, html, table_rows, text
from tests.support.factories import saved_notice
from tests.support.incoming import incoming_alert, real_alert
from tests.support.incoming_pages import sign_in_viewer

HOSTILE = b"<script>alert(1)</script>\x01 <img src=x onerror=alert(2)> \xff\xfe not UTF-8"
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


# ----------------------------------------------------------------------------- the list


def test_the_list_shows_what_came_in_newest_first_with_tests_and_what_needs_officers_standing_out(
    app, services, alerts
):
    viewer = sign_in_viewer(app, services)
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
    assert sent[8] == "Lingya District, Cijin District"
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
    viewer = sign_in_viewer(app, services)

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
    viewer = sign_in_viewer(app, services)
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
    assert "TEST — this alert's status is Test" in text(training, "//p[@class='training-banner']")
    failed = html(viewer.get(f"/console/incoming/{alerts['failed']}"))
    assert "an officer must write or send it" in text(failed, "//p[@class='attention-summary']")
    duplicate = html(viewer.get(f"/console/incoming/{alerts['duplicate']}"))
    assert duplicate.xpath(f"//dd/a[@href='/console/incoming/{alerts['sent']}']")


def test_a_hostile_document_is_shown_escaped_and_downloaded_never_rendered(app, services, alerts):
    viewer = sign_in_viewer(app, services)
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
    viewer = sign_in_viewer(app, services)
    response = viewer.get(f"/console/incoming/{row_id}")
    body = response.get_data(as_text=True)
    assert "<script>alert(4)" not in body and "<b>KHC</b>" not in body and "\u202e" not in body
    tree = html(response)
    assert "<script>alert(4)</script> U+202Etxt.exe" in text(tree, "//section[@class='source-info']//dd")
    assert "198.51.100.1 U+202E" in text(tree, "//dl[@class='facts']")
    listed = viewer.get("/console/incoming").get_data(as_text=True)
    assert "<b>KHC</b>" not in listed and "&lt;b&gt;KHC&lt;/b&gt;" in listed and "\u202e" not in listed


# ----------------------------------------------------------------------------- the rules
