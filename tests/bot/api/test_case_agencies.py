"""Petitions through the API for an agency officer: their agency's cases only, with agency and due date."""

from __future__ import annotations

import re
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


def _cases(session, *categories: str) -> list[str]:
    return [
        open_case(
            session,
            channel=None,
            user_id=None,
            language="en",
            category=category,
            district="lingya",
            description="x" * 12,
            location=None,
            photo=None,
            now=datetime.now(UTC),
        ).number
        for category in categories
    ]


def test_the_case_list_filters_by_agency_and_an_agency_officer_sees_only_their_own(world):
    services = world.services
    with services.session_factory.begin() as session:
        seed_agencies(session, services.glossary)
        create_officer(session, "works-wang", "agency_officer", agency="public_works_bureau")
        works_key = create_api_key(session, "works-wang", name="works", mode="live")[1]
        roads, drain, other = _cases(session, "roads", "drainage", "other")
    admin = auth(world.key("admin-lin", "admin"))
    client = world.client

    def numbers(headers, query):
        response = client.get(f"/api/v1/cases{query}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [case["number"] for case in response.get_json()["items"]]

    assert numbers(admin, "?agency=water_resources_bureau") == [drain]
    assert numbers(admin, "?agency=public_works_bureau") == [roads]
    assert sorted(numbers(admin, "")) == sorted([roads, drain, other])
    # Whatever the filter says, an agency officer's key sees its own agency's cases and no other's.
    assert numbers(auth(works_key), "?agency=water_resources_bureau") == []
    assert numbers(auth(works_key), "?agency=public_works_bureau") == [roads]
    assert numbers(auth(works_key), "") == [roads]
    assert "agency" in problem(client.get("/api/v1/cases?agency=no_such_bureau", headers=admin), 422)["errors"]
    assert "agency" in problem(client.get("/api/v1/cases?agency=Bad%20Key", headers=admin), 422)["errors"]


def test_the_openapi_document_describes_the_agency_filter(world):
    document = world.client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p for p in document["paths"]["/cases"]["get"]["parameters"]}
    assert parameters["agency"]["in"] == "query"
    pattern = re.compile(parameters["agency"]["schema"]["pattern"])
    assert pattern.match("public_works_bureau") and not pattern.match("Public Works")
    assert "empty page" in parameters["agency"]["description"]
