"""The API's poll field: a poll notice is created with its options and closing time, shown on the notice, refused
when malformed (each bad part named) or when a poll comes without it, and documented in the OpenAPI document;
its preview lists the answers per language; a poll is not scheduled to recur, nor for after it closes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from messages.models import Notice
from messages.polls import PollOption
from tests.bot.api.conftest import auth, problem

CLOSES = (datetime.now(UTC) + timedelta(days=2)).isoformat(timespec="seconds")


def poll_body(**poll):
    return {
        "kind": "poll",
        "params": {"districts": ["qishan"]},
        "free_text": "Should the Qishan library open on Sundays?",
        "free_text_lang": "en",
        "poll": {"options": [{"phrase": "yes"}, {"phrase": "no"}, {"text": "Only in summer"}], "closes_at": CLOSES}
        | poll,
    }


def test_a_poll_is_created_with_its_options(world):
    editor = auth(world.key("editor", "editor"))
    created = world.client.post("/api/v1/notices", headers=editor, json=poll_body())
    assert created.status_code == 201, created.get_json()
    notice = created.get_json()
    assert notice["kind"] == "poll" and notice["districts"] == ["qishan"]
    assert [(o["number"], o["phrase"], o["text"]) for o in notice["poll"]["options"]] == [
        (1, "yes", None),
        (2, "no", None),
        (3, None, "Only in summer"),
    ]
    assert notice["poll"]["closes_at"] == CLOSES
    fetched = world.client.get(notice["url"], headers=editor).get_json()
    assert fetched["poll"] == notice["poll"]
    grid = {
        p["language"]: p for p in world.client.get(f"{notice['url']}/preview", headers=editor).get_json()["languages"]
    }
    assert grid["zh-Hant"]["poll_options"] == ["是", "否", "Only in summer"]  # own words as written until translated
    assert grid["vi"]["poll_options"][:2] == ["Có", "Không"]
    assert "1. Có\n2. Không\n3. Only in summer" in grid["vi"]["facebook_section"]
    assert "LINE" in grid["vi"]["facebook_section"] and "LINE" in grid["vi"]["crawl_line"]


def test_bad_polls_are_refused_naming_each_part_and_nothing_is_stored(world):
    editor = auth(world.key("editor", "editor"))
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cases = [
        ({"options": [{"phrase": "yes"}]}, "poll.options"),
        ({"options": [{"phrase": "maybe"}, {"phrase": "no"}]}, "poll.options.1"),
        ({"options": [{"text": "ok\u0007"}, {"phrase": "no"}]}, "poll.options.1"),
        ({"options": [{"text": "a", "phrase": "yes"}, {"phrase": "no"}]}, "poll.options.1"),
        ({"options": [{"phrase": "yes"}] + [{"text": f"option {n}"} for n in range(6)]}, "poll.options"),
        ({"closes_at": past}, "poll.closes_at"),
        ({"closes_at": None}, "poll.closes_at"),
    ]
    for poll, field in cases:
        refused = problem(world.client.post("/api/v1/notices", headers=editor, json=poll_body(**poll)), 422)
        assert field in refused["errors"], (poll, refused)
    without = {key: value for key, value in poll_body().items() if key != "poll"}
    assert "poll" in str(problem(world.client.post("/api/v1/notices", headers=editor, json=without), 422))
    other_kind = {"kind": "heavy_rain", "params": world.example_params("heavy_rain"), "poll": poll_body()["poll"]}
    assert "kind" in problem(world.client.post("/api/v1/notices", headers=editor, json=other_kind), 422)["errors"]
    with world.services.session_factory() as session:
        assert session.scalars(select(Notice)).all() == [] and session.scalars(select(PollOption)).all() == []


def test_the_openapi_document_describes_the_poll(world):
    schemas = world.client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["NoticeInput"]["properties"]["poll"] == {"$ref": "#/components/schemas/PollInput"}
    assert schemas["PollInput"]["properties"]["options"]["maxItems"] == 6
    assert "poll" in schemas["Notice"]["required"]


def test_the_api_refuses_a_recurring_or_late_poll(world):
    world.residents(60)
    editor, approver = auth(world.key("editor", "editor")), auth(world.key("approver", "approver"))
    closes = datetime.now(UTC) + timedelta(days=1)
    body = {
        "kind": "poll",
        "params": {"districts": ["qishan", "meinong", "lingya"]},
        "free_text": "Should the libraries open on Sundays?",
        "free_text_lang": "en",
        "poll": {"options": [{"phrase": "yes"}, {"phrase": "no"}], "closes_at": closes.isoformat()},
    }
    client = world.client
    url = client.post("/api/v1/notices", headers=editor, json=body).get_json()["url"]
    client.post(f"{url}/submit", headers=editor)
    approved = client.post(f"{url}/approve", headers=approver, json={"acknowledge_untranslated": True})
    assert approved.status_code == 200, approved.get_json()
    recurring = problem(
        client.post(f"{url}/schedule", headers=approver, json={"cron": "0 8 * * *", "confirm": True}), 409
    )
    assert "a poll cannot recur" in recurring["detail"]
    late = (closes + timedelta(hours=1)).isoformat()
    assert (
        "before it would be sent"
        in problem(client.post(f"{url}/schedule", headers=approver, json={"at": late, "confirm": True}), 409)["detail"]
    )
