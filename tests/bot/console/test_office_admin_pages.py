"""The console's office pages for petitions, subscriber figures, the audit log, officers and API keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot.conversation.models import Case, CaseEvent
from bot.office.accounts import LoginRefused, authenticate, find_officer
from bot.office.api_keys import verify_api_key
from bot.office.models import ApiKey, AuditEntry
from bot.office.sign_in import FREE_FAILURES, sign_in
from scheduler.audience import TOPIC_BITS, Subscriber, district_bit
from tests.support.console_pages import Officer, add_case, audit_actions, html, table_rows, text
from tests.support.factories import saved_notice

# ----------------------------------------------------------------------------- petitions


def test_assigning_and_changing_a_case_stores_events_and_audit_entries(app, services):
    number = add_case(services)
    other = add_case(services, district="gushan", category="noise")
    admin = Officer(app, "ad-wu")

    response = admin.post(f"/console/cases/{number}/assign", {"assignee": "ed-lin"})
    assert response.status_code == 303
    page = admin.get(response.headers["Location"])
    assert "The case is assigned to ed-lin." in text(html(page))
    assert "The resident could not be told" in text(html(page))  # no sandbox is running

    response = admin.post(f"/console/cases/{number}/status", {"status": "in_progress", "note": "Đội sửa đường đã đến."})
    assert response.status_code == 303
    told = text(html(admin.get(response.headers["Location"])))
    assert "The case is now “in progress”." in told and "The resident could not be told" in told
    assert admin.post(f"/console/cases/{number}/note", {"note": "Call the contractor on Monday."}).status_code == 303
    refused = admin.post(f"/console/cases/{number}/assign", {"assignee": "nobody"})
    assert "no active officer called “nobody”" in text(html(admin.get(refused.headers["Location"])))
    refused = admin.post(f"/console/cases/{number}/status", {"status": "in_progress", "note": " "})
    assert "already “in progress”" in text(html(admin.get(refused.headers["Location"])))

    with services.session_factory() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert (case.status, case.assignee) == ("in_progress", "ed-lin")
        events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))
    assert [(e.status, e.note, e.internal) for e in events] == [
        ("received", None, False),
        ("assigned", None, False),
        ("in_progress", "Đội sửa đường đã đến.", False),
        ("in_progress", "Call the contractor on Monday.", True),
    ]
    recorded = audit_actions(services, "case", number)
    assert [a for a in recorded if not a.startswith("read_")] == ["assign_case", "case_status", "case_note"]
    assert "read_case" in recorded  # each page view of a resident's petition is recorded too

    tree = html(admin.get(f"/console/cases/{number}"))
    history = [" ".join(row.text_content().split()) for row in tree.xpath("//tr[@class='internal-note']")]
    assert len(history) == 1 and "internal note" in history[0] and "Call the contractor" in history[0]
    listed = text(html(admin.get("/console/cases?status=in_progress")))
    assert number in listed and other not in listed
    listed = text(html(admin.get("/console/cases?district=gushan&category=noise")))
    assert other in listed and number not in listed
    assert number in text(html(admin.get("/console/cases?assignee=ed-lin")))
    assert admin.get("/console/cases/KH-1999-000001").status_code == 404
    assert Officer(app, "ed-lin").post(f"/console/cases/{other}/note", {"note": "seen"}).status_code == 303


# ----------------------------------------------------------------------------- subscribers


def test_subscriber_counts_match_the_rows(app, services):
    glossary = services.glossary
    cijin, gushan = district_bit(glossary, "cijin"), district_bit(glossary, "gushan")
    disaster, health = TOPIC_BITS["disaster"], TOPIC_BITS["health"]
    rows = (
        [("line", "vi", disaster | health, 0, True, "active", False)] * 3
        + [("line", "zh-Hant", disaster, cijin, False, "active", True)] * 2
        + [("line", "th", health, cijin | gushan, False, "active", False)]
        + [("messenger", "vi", disaster, gushan, False, "active", False)]
        + [("line", "en", disaster, 0, True, "inactive", False)] * 4
    )
    with services.session_factory.begin() as session:
        session.execute(
            insert(Subscriber),
            [
                {
                    "channel": c,
                    "platform_user_id": f"U{i}",
                    "language": lang,
                    "topics": topics,
                    "districts": districts,
                    "whole_city": whole,
                    "status": status,
                    "test_recipient": test,
                }
                for i, (c, lang, topics, districts, whole, status, test) in enumerate(rows)
            ],
        )
    admin = Officer(app, "ad-wu")
    tree = html(admin.get("/console/subscribers"))
    facts = dict(
        zip(
            [text(dt, ".") for dt in tree.xpath("//dl[@class='facts']/dt")],
            [text(dd, ".") for dd in tree.xpath("//dl[@class='facts']/dd")],
            strict=True,
        )
    )
    assert facts["Active subscribers"] == "7" and facts["Inactive (unfollowed or blocked)"] == "4"
    assert facts["Test recipients (receive training notices)"] == "2" and facts["Following the whole city"] == "3"
    languages = table_rows(tree, "Active subscribers by language")
    assert languages["Tiếng Việt"] == ["3", "1", "4"]  # LINE, Messenger, total; the language by its own name
    assert languages["繁體中文"] == ["2", "0", "2"] and languages["ภาษาไทย"] == ["1", "0", "1"]
    assert languages["Total"] == ["6", "1", "7"] and "English" not in languages
    topics = table_rows(tree, "Active subscribers receiving each topic")
    assert topics == {"Disaster": ["6"], "Health": ["4"], "Transport": ["0"]}
    districts = table_rows(tree, "Active subscribers following each district")
    assert districts["Following the whole city"] == ["3"]
    assert districts["Cijin District"] == ["3"] and districts["Gushan District"] == ["2"]
    assert districts["Yancheng District"] == ["0"]
    assert len(districts) == 39


# ----------------------------------------------------------------------------- audit log


def test_the_audit_log_filters_pages_and_links_its_subjects(app, services):
    number = add_case(services)
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        notice_id = saved_notice(session, services.composer).id
        session.add_all(
            [
                AuditEntry(
                    at=now - timedelta(minutes=i),
                    actor="ed-lin",
                    via="api",
                    action="compose",
                    subject_type="notice",
                    subject_id=str(notice_id),
                    summary=f"draft {i}",
                )
                for i in range(60)
            ]
        )
        session.add(
            AuditEntry(
                at=now,
                actor="ap-chen",
                via="console",
                action="case_status",
                subject_type="case",
                subject_id=number,
                summary="resolved",
            )
        )
    admin = Officer(app, "ad-wu")
    tree = html(admin.get("/console/audit?actor=ed-lin"))
    assert "61" not in text(tree, "//caption") and "(60 in all)" in text(tree, "//caption")
    assert tree.xpath(f"//a[@href='/console/notices/{notice_id}']")
    assert "API" in text(tree, "//tbody") and "composed" in text(tree, "//tbody")
    assert tree.xpath("//nav[@class='pager']//a[contains(@href, 'page=2')]")
    second = html(admin.get("/console/audit?actor=ed-lin&page=2"))
    assert len(second.xpath("//tbody/tr")) == 10
    cases = html(admin.get("/console/audit?action=case_status"))
    assert len(cases.xpath("//tbody/tr")) == 1 and cases.xpath(f"//a[@href='/console/cases/{number}']")
    assert len(html(admin.get(f"/console/audit?subject_type=case&subject_id={number}")).xpath("//tbody/tr")) == 1


# ----------------------------------------------------------------------------- officers and API keys


def test_creating_an_officer_and_an_api_key_shows_each_secret_once(app, services):
    admin = Officer(app, "ad-wu")
    refused = admin.post("/console/officers/new", {"username": "Bad Name!", "role": "admin"})
    assert refused.status_code == 422 and "The username must be" in text(html(refused))
    assert admin.post("/console/officers/new", {"username": "ed-lin", "role": "editor"}).status_code == 422

    response = admin.post("/console/officers/new", {"username": "ap-kao", "display_name": "Kao", "role": "approver"})
    assert response.status_code == 200
    password = text(html(response), "//code[@id='secret-value']")
    assert len(password) >= 16 and password not in admin.get("/console/officers").get_data(as_text=True)
    with services.session_factory.begin() as session:
        assert authenticate(session, "ap-kao", password, now=datetime.now(UTC)).role == "approver"

    # A key belongs to the officer who creates it: an admin cannot mint one for somebody else.
    response = admin.post("/console/api-keys", {"officer": "ap-kao", "name": "CWA importer", "mode": "test"})
    assert response.status_code == 200
    key = text(html(response), "//code[@id='secret-value']")
    assert key.startswith("cvk_test_") and key not in admin.get("/console/api-keys").get_data(as_text=True)
    with services.session_factory.begin() as session:
        stored, officer = verify_api_key(session, key, now=datetime.now(UTC))
        key_id = stored.key_id
        assert officer.username == "ad-wu"
    assert admin.post("/console/api-keys", {"name": " ", "mode": "live"}).status_code == 422
    listed = table_rows(html(admin.get("/console/api-keys")), "API keys")
    assert listed[key_id][:3] == ["CWA importer", "test", "ad-wu"]

    assert admin.post(f"/console/api-keys/{key_id}/revoke").status_code == 303
    with services.session_factory() as session:
        assert session.scalar(select(ApiKey.revoked_at).where(ApiKey.key_id == key_id)) is not None

    with services.session_factory.begin() as session:  # wrong passwords from somewhere: the last one throttled
        for _ in range(FREE_FAILURES + 1):
            with pytest.raises(LoginRefused):
                sign_in(session, "ed-lin", "not-her-password", address="198.51.100.9", now=datetime.now(UTC))
    officers = table_rows(html(admin.get("/console/officers")), "Officers who may sign in")
    assert officers["ed-lin"][3] == str(FREE_FAILURES + 1) and officers["ad-wu"][3] == "0"
    assert "warn" in html(admin.get("/console/officers")).xpath("//tr[th='ed-lin']/td[4]/span/@class")[0]
    response = admin.post("/console/officers/ed-lin/reset_password")
    assert response.status_code == 200
    new_password = text(html(response), "//code[@id='secret-value']")
    with services.session_factory.begin() as session:  # from anywhere else, at once
        assert sign_in(session, "ed-lin", new_password, address="192.0.2.1", now=datetime.now(UTC)).username == "ed-lin"

    assert admin.post("/console/officers/ap-kao/deactivate").status_code == 303
    assert admin.post("/console/officers/ad-wu/deactivate").status_code == 303  # refused: one's own account
    with services.session_factory() as session:
        assert not find_officer(session, "ap-kao").active and find_officer(session, "ad-wu").active
    assert admin.post("/console/officers/ap-kao/activate").status_code == 303
    assert admin.post("/console/officers/nobody/activate").status_code == 404
    assert audit_actions(services, "officer", "ap-kao") == ["create_officer", "deactivate_officer", "activate_officer"]
    assert audit_actions(services, "officer", "ed-lin")[-2:] == ["reset_password", "login"]
    assert audit_actions(services, "api_key", key_id) == ["create_api_key", "revoke_api_key"]
    # After a secret was shown on a form's own address, switching language goes back to the officers page.
    assert admin.get("/console/officers/new").status_code == 302


def test_each_officer_keeps_their_own_api_keys_and_an_admin_sees_and_revokes_all(app, services):
    editor, admin = Officer(app, "ed-lin"), Officer(app, "ad-wu")
    mine = text(
        html(editor.post("/console/api-keys", {"name": "newsroom script", "mode": "live"})),
        "//code[@id='secret-value']",
    )
    theirs = text(
        html(admin.post("/console/api-keys", {"name": "admin script", "mode": "test"})), "//code[@id='secret-value']"
    )
    with services.session_factory.begin() as session:
        mine_id = verify_api_key(session, mine, now=datetime.now(UTC))[0].key_id
        theirs_id = verify_api_key(session, theirs, now=datetime.now(UTC))[0].key_id
    assert set(table_rows(html(editor.get("/console/api-keys")), "API keys")) == {mine_id}
    assert set(table_rows(html(admin.get("/console/api-keys")), "API keys")) == {mine_id, theirs_id}
    assert editor.post(f"/console/api-keys/{theirs_id}/revoke").status_code == 404  # not theirs to revoke
    assert admin.post(f"/console/api-keys/{mine_id}/revoke").status_code == 303
    with services.session_factory() as session:
        revoked = dict(session.execute(select(ApiKey.key_id, ApiKey.revoked_at)).all())
    assert revoked[mine_id] is not None and revoked[theirs_id] is None
