"""Bad input is refused at the API's door with 422 naming the field, and nothing is stored: text civicast
refuses, numbers out of bounds, times that make no sense; ids and pages out of range are 404 or 422, never 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from messages.models import Notice
from tests.bot.api.conftest import auth, problem


def stored(world) -> int:
    with world.services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Notice))


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"free_text": "疏散\x07請注意"}, "free_text", "control character (U+0007)"),
        ({"free_text": "a\u2028b"}, "free_text", "line or paragraph separator"),
        ({"params": {"capacity": 10**12}}, "params.capacity", "must be at most 100000"),
        ({"params": {"capacity": 0}}, "params.capacity", "must be at least 1"),
        ({"expires": "2001-01-01T00:00"}, "expires", "has passed"),
        ({"effective": "2099-01-02T00:00", "expires": "2099-01-01T00:00"}, "expires", "later than effective"),
        ({"\x00": 1}, "'\\x00'", "unknown field"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_stored(world, changes, field, words):
    key = auth(world.key("editor", "editor"))
    fields = {name: value for name, value in changes.items() if name != "params"}
    params = {**world.example_params("shelter_open"), **changes.get("params", {})}
    body = problem(
        world.client.post("/api/v1/notices", headers=key, json={"kind": "shelter_open", "params": params, **fields}),
        422,
    )
    assert field in body["errors"] and words in body["errors"][field], body["errors"]
    assert stored(world) == 0


def test_an_end_before_its_start_is_refused(world):
    key = auth(world.key("editor", "editor"))
    params = {**world.example_params("road_closure"), "start": "2099-06-01T21:00", "end": "2099-06-01T05:00"}
    body = problem(
        world.client.post("/api/v1/notices", headers=key, json={"kind": "road_closure", "params": params}), 422
    )
    assert "must not be earlier than start" in body["errors"]["params.end"]


def test_ids_pages_and_query_text_out_of_range_are_client_errors(world):
    key = auth(world.key("editor", "editor"))
    for path in ("/api/v1/notices/2147483648", "/api/v1/notices/99999999999999999999/report", "/api/v1/notices/0"):
        problem(world.client.get(path, headers=key), 404)
    problem(world.client.patch("/api/v1/notices/2147483648", headers=key, json={}), 404)
    assert "limit" in problem(world.client.get("/api/v1/notices?limit=100000", headers=key), 422)["errors"]
    assert "offset" in problem(world.client.get(f"/api/v1/notices?offset={10**20}", headers=key), 422)["errors"]
    refused = problem(world.client.get("/api/v1/cases?assignee=%00", headers=key), 422)
    assert refused["errors"] == {"assignee": "contains a NUL character (U+0000)"}
