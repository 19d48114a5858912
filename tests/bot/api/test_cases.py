"""Petitions through the API: list with filters and paging, one case with its events, a status change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.conversation.petitions import open_case
from tests.bot.api.conftest import auth, problem
from tests.support.recording_line import record_line_pushes


@pytest.fixture
def cases(world):
    now = datetime.now(UTC)
    with world.services.session_factory.begin() as session:
        numbers = [
            open_case(
                session,
                channel="line",
                user_id=f"U{index:032d}",
                language=language,
                category=category,
                district=district,
                description=f"case {index}",
                location=None,
                photo=None,
                now=now,
            ).number
            for index, (language, category, district) in enumerate(
                [("zh-Hant", "roads", "lingya"), ("vi", "lighting", "cianjhen"), ("en", "roads", "cianjhen")]
            )
        ]
    line = record_line_pushes(world.services)
    return numbers, line


def test_list_filter_and_page_cases(world, cases):
    numbers, _line = cases
    key = auth(world.key("editor", "editor"))
    client = world.client
    everything = client.get("/api/v1/cases", headers=key).get_json()
    assert everything["total"] == 3 and [c["number"] for c in everything["items"]] == numbers[::-1]
    first = everything["items"][-1]
    assert first["district"] == "lingya" and first["district_name"] == "苓雅區" and first["status"] == "received"
    assert "user_id" not in first and first["channel"] == "line"

    assert client.get("/api/v1/cases?category=roads", headers=key).get_json()["total"] == 2
    by_district = client.get("/api/v1/cases?district=前鎮區", headers=key).get_json()
    assert {c["number"] for c in by_district["items"]} == set(numbers[1:])
    page = client.get("/api/v1/cases?limit=1&offset=1", headers=key).get_json()
    assert page["total"] == 3 and [c["number"] for c in page["items"]] == [numbers[1]]
    assert client.get("/api/v1/cases?status=resolved", headers=key).get_json()["total"] == 0


def test_one_case_and_a_status_change_the_resident_is_told_of(world, cases):
    numbers, line = cases
    key = auth(world.key("editor", "editor"))
    client = world.client
    number = numbers[0]
    case = client.get(f"/api/v1/cases/{number.lower()}", headers=key)
    assert case.status_code == 200
    assert [e["status"] for e in case.get_json()["events"]] == ["received"]

    changed = client.post(
        f"/api/v1/cases/{number}/status",
        headers=key,
        json={"status": "in_progress", "note": "The road team is on its way."},
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["case"]["status"] == "in_progress"
    assert body["case"]["events"][-1] == {
        **body["case"]["events"][-1],
        "status": "in_progress",
        "officer": "editor",
        "note": "The road team is on its way.",
        "internal": False,
    }
    assert "LINE" in body["resident_notified"]
    assert [user for user, _messages in line.pushes] == [f"U{0:032d}"]

    problem(client.post(f"/api/v1/cases/{number}/status", headers=key, json={"status": "in_progress"}), 409)
    assert (
        "status"
        in problem(client.post(f"/api/v1/cases/{number}/status", headers=key, json={"status": "lost"}), 422)["errors"]
    )
    problem(client.post("/api/v1/cases/KH-2000-000001/status", headers=key, json={"status": "closed"}), 404)
    problem(client.post(f"/api/v1/cases/{number}/status", headers=key, data="nope"), 400)
