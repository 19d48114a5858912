"""An API test key works only on training notices, and a training notice reaches only test recipients."""

from __future__ import annotations

from sqlalchemy import select

from scheduler.outbox import Delivery
from tests.bot.api.conftest import auth, problem


def _live_notice(world, editor, approver=None, *, approve=False):
    client = world.client
    url = client.post(
        "/api/v1/notices", headers=editor, json={"kind": "typhoon_land_warning", "params": world.example_params()}
    ).get_json()["url"]
    assert client.post(f"{url}/submit", headers=editor).status_code == 200
    if approve:
        assert client.post(f"{url}/approve", headers=approver).status_code == 200
    return url


def test_a_test_keys_notice_is_always_a_training_notice(world):
    world.residents(300)
    world.test_recipients(2)
    editor_test = auth(world.key("editor", "editor", mode="test"))
    created = world.client.post(
        "/api/v1/notices",
        headers=editor_test,
        json={"kind": "typhoon_land_warning", "params": world.example_params(), "training": False},
    )
    assert created.status_code == 201
    assert created.get_json()["training"] is True and created.get_json()["sandboxed"] is True
    # Editing cannot make it live either.
    edited = world.client.patch(created.get_json()["url"], headers=editor_test, json={"training": False})
    assert edited.status_code == 200 and edited.get_json()["training"] is True


def test_a_test_key_cannot_approve_send_or_schedule_a_live_notice(world):
    world.residents(300)
    editor = auth(world.key("editor", "editor"))
    approver_live = auth(world.key("approver", "approver"))
    approver_test = auth(world.key("approver", "approver", mode="test"))
    client = world.client

    submitted = _live_notice(world, editor)
    refused = problem(client.post(f"{submitted}/approve", headers=approver_test), 403)
    assert "test API key" in refused["detail"] and refused["rule"] == "test keys act only on sandboxed notices"
    problem(client.get(submitted, headers=approver_test), 403)  # it cannot even read a live notice

    approved = _live_notice(world, editor, approver_live, approve=True)
    problem(client.post(f"{approved}/send", headers=approver_test, json={"confirm": True}), 403)
    problem(
        client.post(f"{approved}/schedule", headers=approver_test, json={"at": "2099-01-01T08:00", "confirm": True}),
        403,
    )
    problem(client.post(f"{approved}/cancel", headers=approver_test), 403)
    with world.services.session_factory() as session:
        assert session.scalar(select(Delivery.id).limit(1)) is None  # nothing went out
    assert client.get(approved, headers=approver_live).get_json()["status"] == "approved"


def test_a_training_notice_sent_with_a_test_key_reaches_only_test_recipients(world):
    world.residents(300)  # none of them test recipients
    testers = world.test_recipients(3, language="vi")
    editor_test = auth(world.key("editor", "editor", mode="test"))
    client = world.client
    url = client.post(
        "/api/v1/notices", headers=editor_test, json={"kind": "typhoon_land_warning", "params": world.example_params()}
    ).get_json()["url"]
    preview = client.get(f"{url}/preview", headers=editor_test).get_json()
    assert preview["total"] == 3 and preview["audience"]["line"] == {"vi": 3}
    assert all(p["notice"]["training"] for p in preview["languages"])
    assert "<status>Test</status>" in preview["cap_xml"]

    assert client.post(f"{url}/submit", headers=editor_test).status_code == 200
    approved = client.post(f"{url}/approve", headers=editor_test)  # a training notice: its author may approve
    assert approved.status_code == 200, approved.get_json()
    sent = client.post(f"{url}/send", headers=editor_test, json={"confirm": True})
    assert sent.status_code == 202, sent.get_json()
    assert sent.get_json()["recipients"]["line"] == {"vi": 3}

    notice_id = int(url.rsplit("/", 1)[1])
    with world.services.session_factory() as session:
        deliveries = session.scalars(
            select(Delivery).where(Delivery.notice_id == notice_id, Delivery.channel == "line")
        ).all()
        reached = {user for delivery in deliveries for user in delivery.recipients}
    assert reached == set(testers)


def test_a_training_notice_without_test_recipients_cannot_be_submitted(world):
    world.residents(300)
    editor_test = auth(world.key("editor", "editor", mode="test"))
    url = world.client.post(
        "/api/v1/notices", headers=editor_test, json={"kind": "typhoon_land_warning", "params": world.example_params()}
    ).get_json()["url"]
    body = problem(world.client.post(f"{url}/submit", headers=editor_test), 409)
    assert "test recipients" in body["detail"]
