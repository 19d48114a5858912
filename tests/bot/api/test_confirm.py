"""A send or a schedule through the API is confirmed by the request: without ``"confirm": true`` the API answers 409
with what it would do (``would``), and nothing is sent, scheduled or recorded; an Extreme notice to the whole city
also needs its number."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.office.models import AuditEntry
from tests.bot.api.conftest import auth, problem


def approved_notice(world, editor, approver, **fields) -> str:
    body = {"kind": "typhoon_land_warning", "params": world.example_params(), **fields}
    if "districts" in fields:
        body["params"]["districts"] = body.pop("districts")
    created = world.client.post("/api/v1/notices", headers=editor, json=body)
    assert created.status_code == 201, created.get_json()
    url = created.get_json()["url"]
    world.client.post(f"{url}/submit", headers=editor)
    assert world.client.post(f"{url}/approve", headers=approver).status_code == 200
    return url


def audit_count(world, action: str) -> int:
    with world.services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)) or 0


def test_an_unconfirmed_send_answers_what_it_would_do_and_sends_nothing(world):
    world.residents(120)
    editor, approver = auth(world.key("editor", "editor")), auth(world.key("approver", "approver"))
    url = approved_notice(world, editor, approver)
    preview = world.client.get(f"{url}/preview", headers=approver).get_json()

    for body in (None, {}, {"confirm": False}):
        refused = problem(world.client.post(f"{url}/send", headers=approver, json=body), 409)
        assert refused["code"] == "confirmation_missing" and refused["type"].endswith("/confirmation-required")
        would = refused["would"]
        assert would["recipients"] == preview["total"] > 0
        assert len(would["languages"]) == 12 and would["channels"][0] == "line"
        assert would["notice_number_required"] is False and would["training"] is False
        assert would["sentence"] in refused["detail"] and '"confirm": true' in refused["detail"]
    assert world.client.get(url, headers=approver).get_json()["status"] == "approved"
    assert audit_count(world, "send") == 0

    assert problem(world.client.post(f"{url}/send", headers=approver, json={"confirm": "yes"}), 422)["errors"] == {
        "confirm": "must be true or false"
    }
    sent = world.client.post(f"{url}/send", headers=approver, json={"confirm": True})
    assert sent.status_code == 202 and sent.get_json()["total_recipients"] == preview["total"]
    assert audit_count(world, "send") == 1


def test_an_unconfirmed_schedule_is_refused_with_its_time(world):
    world.residents(30)
    editor, approver = auth(world.key("editor", "editor")), auth(world.key("approver", "approver"))
    url = approved_notice(world, editor, approver)
    refused = problem(world.client.post(f"{url}/schedule", headers=approver, json={"at": "2099-10-03T09:00"}), 409)
    assert refused["code"] == "confirmation_missing"
    assert refused["would"]["at"].startswith("2099-10-03T") and "at 2099-10-03 09:00 (Taipei time)" in refused["detail"]
    assert world.client.get(url, headers=approver).get_json()["status"] == "approved"
    scheduled = world.client.post(f"{url}/schedule", headers=approver, json={"at": "2099-10-03T09:00", "confirm": True})
    assert scheduled.status_code == 200 and scheduled.get_json()["status"] == "scheduled"


def test_a_city_wide_extreme_notice_needs_its_number(world):
    world.residents(20)
    editor, approver = auth(world.key("editor", "editor")), auth(world.key("approver", "approver"))
    url = approved_notice(world, editor, approver, districts=["全市"], severity="Extreme")
    notice_id = int(url.rsplit("/", 1)[1])
    refused = problem(world.client.post(f"{url}/send", headers=approver, json={"confirm": True}), 409)
    assert refused["code"] == "wrong_notice_number" and refused["would"]["notice_number_required"] is True
    assert f'"notice_number": {notice_id}' in refused["detail"]
    for wrong in (notice_id + 1, "one", True):
        answer = world.client.post(f"{url}/send", headers=approver, json={"confirm": True, "notice_number": wrong})
        assert answer.status_code in (409, 422), wrong
    assert audit_count(world, "send") == 0
    sent = world.client.post(f"{url}/send", headers=approver, json={"confirm": True, "notice_number": notice_id})
    assert sent.status_code == 202, sent.get_json()
