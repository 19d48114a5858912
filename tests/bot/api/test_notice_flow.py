"""A notice through the API from draft to delivery report, as two officers with live keys do it."""

from __future__ import annotations

from sqlalchemy import select

from bot.office.models import AuditEntry
from messages.i18n import LANGUAGES
from tests.bot.api.conftest import auth, problem


def test_compose_preview_approve_send_and_report(world):
    world.residents(300)
    editor, approver = auth(world.key("editor", "editor")), auth(world.key("approver", "approver"))
    client = world.client

    created = client.post(
        "/api/v1/notices", headers=editor, json={"kind": "typhoon_land_warning", "params": world.example_params()}
    )
    assert created.status_code == 201, created.get_json()
    notice = created.get_json()
    assert created.headers["Location"] == f"/api/v1/notices/{notice['id']}"
    assert notice["status"] == "draft" and notice["training"] is False and notice["author"] == "editor"
    assert notice["districts"] == ["lingya", "cianjhen"] and notice["topic"] == "disaster"
    assert {name for name, may in notice["actions"].items() if may} == {"edit", "submit", "cancel"}
    url = notice["url"]

    preview = client.get(f"{url}/preview", headers=editor)
    assert preview.status_code == 200
    grid = preview.get_json()
    assert [p["language"] for p in grid["languages"]] == list(LANGUAGES)  # all 12, in order
    assert grid["total"] > 0 and grid["problems"] == []
    assert all(p["notice"]["headline"] and p["line_messages"] and p["crawl_line"] for p in grid["languages"])
    assert "苓雅區" in grid["languages"][0]["notice"]["headline"] + grid["languages"][0]["notice"]["body"]
    assert "<alert" in grid["cap_xml"] and set(grid["district_names"]) == {"lingya", "cianjhen"}

    submitted = client.post(f"{url}/submit", headers=editor)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"

    own = problem(client.post(f"{url}/approve", headers=editor), 403)
    assert "approve needs another role" in own["detail"]
    assert own["code"] == "role"  # the same refusal whatever its wording
    assert client.get(url, headers=approver).get_json()["actions"]["approve"] is True

    approved = client.post(f"{url}/approve", headers=approver)
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved" and approved.get_json()["approver"] == "approver"

    problem(
        client.post(f"{url}/send", headers=editor, json={"confirm": True}), 403
    )  # an editor cannot send a live notice
    sent = client.post(f"{url}/send", headers=approver, json={"confirm": True})
    assert sent.status_code == 202, sent.get_json()
    fanout = sent.get_json()
    assert sent.headers["Location"] == f"{url}/report"
    assert fanout["deliveries"] > 0 and fanout["total_recipients"] == grid["total"]
    assert fanout["recipients"]["line"] == grid["audience"]["line"]
    assert fanout["notice"]["status"] in ("sending", "sent")
    problem(client.post(f"{url}/send", headers=approver, json={"confirm": True}), 409)  # once only

    report = client.get(f"{url}/report", headers=editor)
    assert report.status_code == 200
    line = report.get_json()["channels"]["line"]
    assert line["targeted"] == grid["total"] and line["pending"] + line["sent"] == grid["total"]
    assert set(line["languages"]) == {code for code, count in grid["audience"]["line"].items() if count}

    listed = client.get("/api/v1/notices?status=sending&limit=5", headers=approver).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == notice["id"] and listed["limit"] == 5

    with world.services.session_factory() as session:
        actions = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.via)
            .where(AuditEntry.subject_type == "notice", AuditEntry.subject_id == str(notice["id"]))
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(a) for a in actions] == [
        ("editor", "compose", "api"),
        ("editor", "submit", "api"),
        ("approver", "approve", "api"),
        ("approver", "send", "api"),
    ]
    with world.services.session_factory() as session:
        keys = set(
            session.execute(
                select(AuditEntry.key_id, AuditEntry.key_mode).where(AuditEntry.subject_type == "notice")
            ).all()
        )
    assert {mode for _key, mode in keys} == {"live"} and len(keys) == 2  # each row names the key that acted


def test_an_update_and_a_cancel_of_a_sent_notice(world):
    world.residents(300)
    editor, approver = auth(world.key("editor", "editor")), auth(world.key("approver", "approver"))
    client = world.client
    url = client.post(
        "/api/v1/notices", headers=editor, json={"kind": "typhoon_land_warning", "params": world.example_params()}
    ).get_json()["url"]
    problem(client.post(f"{url}/updates", headers=editor, json={}), 409)  # not sent yet
    client.post(f"{url}/submit", headers=editor)
    client.post(f"{url}/approve", headers=approver)
    assert client.post(f"{url}/send", headers=approver, json={"confirm": True}).status_code == 202

    update = client.post(
        f"{url}/updates", headers=editor, json={"params": {**world.example_params(), "intensity": "moderate"}}
    )
    assert update.status_code == 201, update.get_json()
    draft = update.get_json()
    assert draft["msg_type"] == "Update" and draft["references_id"] == int(url.rsplit("/", 1)[1])
    assert draft["status"] == "draft" and draft["params"]["intensity"] == "moderate"
    assert update.headers["Location"] == draft["url"]
    wrong_kind = problem(client.post(f"{url}/updates", headers=editor, json={"kind": "heavy_rain"}), 409)
    assert "kind" in wrong_kind["detail"]

    problem(client.post(f"{url}/cancel", headers=editor), 403)  # an editor cannot cancel a sent live notice
    cancelled = client.post(f"{url}/cancel", headers=approver)
    assert cancelled.status_code == 200, cancelled.get_json()
    body = cancelled.get_json()
    cancellation = body["cancellation"]
    assert cancellation["msg_type"] == "Cancel" and cancellation["references_id"] == body["notice"]["id"]
    assert cancellation["training"] is False and cancellation["status"] == "submitted"
    assert body["notice"]["status"] in ("sending", "sent")  # nothing withdrawn until a second officer agrees
    second = problem(client.post(f"{cancellation['url']}/approve", headers=approver), 403)
    assert second["rule"] == "a live notice needs a second officer"
    other = auth(world.key("approver-2", "approver"))
    assert client.post(f"{cancellation['url']}/approve", headers=other).status_code == 200
    assert client.post(f"{cancellation['url']}/send", headers=other, json={"confirm": True}).status_code == 202
    assert client.get(url, headers=approver).get_json()["status"] == "cancelled"
    problem(client.post(f"{url}/cancel", headers=approver), 409)  # already cancelled


def test_edit_reject_resubmit_and_schedule(world):
    world.residents(300)
    editor, approver = auth(world.key("editor", "editor")), auth(world.key("approver", "approver"))
    client = world.client
    url = client.post(
        "/api/v1/notices", headers=editor, json={"kind": "typhoon_land_warning", "params": world.example_params()}
    ).get_json()["url"]

    edited = client.patch(
        url, headers=editor, json={"severity": "Extreme", "free_text": "請提早準備。", "expires": "2099-10-04T12:00"}
    )
    assert edited.status_code == 200, edited.get_json()
    body = edited.get_json()
    assert body["severity"] == "Extreme" and body["free_text"] == "請提早準備。"
    assert body["params"]["districts"] == ["lingya", "cianjhen"]  # kept: only what the PATCH named changed
    assert body["expires"] == "2099-10-04T04:00:00+00:00"  # Taipei time, given without an offset

    client.post(f"{url}/submit", headers=editor)
    problem(client.patch(url, headers=editor, json={"severity": None}), 409)  # submitted: no longer editable
    problem(client.post(f"{url}/reject", headers=approver, json={"reason": "  "}), 422)
    rejected = client.post(f"{url}/reject", headers=approver, json={"reason": "Add the shelters."})
    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["review_note"] == "Add the shelters."
    assert client.patch(url, headers=editor, json={"severity": None}).get_json()["status"] == "draft"

    client.post(f"{url}/submit", headers=editor)
    problem(
        client.post(f"{url}/schedule", headers=approver, json={"at": "2099-10-03T09:00", "confirm": True}), 409
    )  # not approved
    untranslated = problem(client.post(f"{url}/approve", headers=approver), 422)  # no translation engine here
    assert "acknowledge_untranslated" in untranslated["errors"]
    assert client.get(url, headers=approver).get_json()["status"] == "submitted"
    client.post(f"{url}/approve", headers=approver, json={"acknowledge_untranslated": True})
    scheduled = client.post(f"{url}/schedule", headers=approver, json={"at": "2099-10-03T09:00", "confirm": True})
    assert scheduled.status_code == 200, scheduled.get_json()
    assert scheduled.get_json()["status"] == "scheduled"
    assert scheduled.get_json()["send_at"] == "2099-10-03T01:00:00+00:00"
    recurring = client.post(f"{url}/schedule", headers=approver, json={"cron": "0 9 * * 1", "confirm": True})
    assert recurring.status_code == 200 and recurring.get_json()["recurrence"] == "0 9 * * 1"
    too_often = problem(
        client.post(f"{url}/schedule", headers=approver, json={"cron": "*/15 * * * *", "confirm": True}), 403
    )
    assert too_often["rule"] == "a live recurrence keeps its minimum interval"
    assert "every 60 minutes" in too_often["detail"]
