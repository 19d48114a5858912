"""Petitions through the API for an agency officer: their agency's cases only, with agency and due date."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.conversation.petitions import open_case
from bot.office.accounts import create_officer
from bot.office.agencies import seed_agencies
from bot.office.api_keys import create_api_key
from tests.bot.api.conftest import auth, problem


def test_an_agency_officer_s_key_reads_and_answers_only_its_agency_s_cases(world):
    services = world.services
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        seed_agencies(session, services.glossary)
        create_officer(session, "works-wang", "agency_officer", agency="public_works_bureau")
        key = create_api_key(session, "works-wang", name="works", mode="live")[1]
        roads, drain = (
            open_case(
                session,
                channel=None,
                user_id=None,
                language="zh-Hant",
                category=category,
                district="lingya",
                description="x" * 12,
                location=None,
                photo=None,
                now=now,
            ).number
            for category in ("roads", "drainage")
        )
    client, headers = world.client, auth(key)
    listed = client.get("/api/v1/cases", headers=headers).get_json()
    assert [c["number"] for c in listed["items"]] == [roads] and listed["total"] == 1
    assert listed["items"][0]["agency"] == "public_works_bureau" and listed["items"][0]["due_on"]
    assert client.get(f"/api/v1/cases/{roads}", headers=headers).get_json()["events"][0]["agency"] == (
        "public_works_bureau"
    )
    problem(client.get(f"/api/v1/cases/{drain}", headers=headers), 404)
    problem(client.post(f"/api/v1/cases/{drain}/status", headers=headers, json={"status": "closed"}), 404)
    changed = client.post(f"/api/v1/cases/{roads}/status", headers=headers, json={"status": "in_progress"})
    assert changed.status_code == 200 and changed.get_json()["case"]["status"] == "in_progress"
