"""Every refusal is application/problem+json (RFC 9457) with the right status and the offending fields named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError

from bot.office.api_keys import revoke_api_key
from scheduler.audience import TOPIC_BITS, Subscriber, district_bit
from tests.bot.api.conftest import ApiWorld, auth, problem


@pytest.fixture
def editor(sqlite_world):
    return auth(sqlite_world.key("editor", "editor"))


def _compose(world, editor, **body):
    return world.client.post(
        "/api/v1/notices",
        headers=editor,
        json={"kind": "typhoon_land_warning", "params": world.example_params(), **body},
    )


def test_bad_parameters_name_each_field(sqlite_world, editor):
    response = sqlite_world.client.post(
        "/api/v1/notices",
        headers=editor,
        json={
            "kind": "typhoon_land_warning",
            "params": {"intensity": "apocalyptic", "districts": ["Atlantis"], "colour": "red"},
            "effective": "2024-10-03T12:00",
            "expires": "yesterday",
        },
    )
    body = problem(response, 422)
    assert set(body["errors"]) == {
        "params.typhoon_name",
        "params.intensity",
        "params.districts",
        "params.colour",
        "expires",
    }
    assert "required" in body["errors"]["params.typhoon_name"]
    assert "Atlantis" in body["errors"]["params.districts"]


def test_shape_errors_name_each_field(sqlite_world, editor):
    body = problem(
        sqlite_world.client.post(
            "/api/v1/notices",
            headers=editor,
            json={
                "params": [],
                "severity": "Apocalyptic",
                "training": "yes",
                "free_text_lang": "xx",
                "effective": 5,
                "free_text": "a\x00b",
                "colour": "red",
            },
        ),
        422,
    )
    assert set(body["errors"]) == {
        "kind",
        "params",
        "severity",
        "training",
        "free_text_lang",
        "effective",
        "free_text",
        "colour",
    }


def test_unknown_kind(sqlite_world, editor):
    body = problem(sqlite_world.client.post("/api/v1/notices", headers=editor, json={"kind": "alien_invasion"}), 422)
    assert "alien_invasion" in body["errors"]["kind"]


def test_an_out_of_range_time_is_invalid_not_a_server_error(sqlite_world, editor):
    body = problem(_compose(sqlite_world, editor, effective="0001-01-01T00:00"), 422)
    assert set(body["errors"]) == {"effective"}
    params = sqlite_world.example_params(landfall="0001-01-01T00:00:00+14:00")
    body = problem(
        sqlite_world.client.post(
            "/api/v1/notices", headers=editor, json={"kind": "typhoon_land_warning", "params": params}
        ),
        422,
    )
    assert set(body["errors"]) == {"params.landfall"}


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer cvk_live_nope", "Bearer cvk_live_0123456789ab_" + "x" * 43],
)
def test_no_key_or_a_bad_key_is_401(sqlite_world, header):
    headers = {} if header is None else {"Authorization": header}
    response = sqlite_world.client.get("/api/v1/notices", headers=headers)
    problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="civicast"')


def test_a_revoked_key_is_401(sqlite_world):
    key = sqlite_world.key("editor", "editor")
    assert sqlite_world.client.get("/api/v1/kinds", headers=auth(key)).status_code == 200
    with sqlite_world.services.session_factory.begin() as session:
        revoke_api_key(session, key.split("_")[2], now=datetime.now(UTC))
    assert "revoked" in problem(sqlite_world.client.get("/api/v1/kinds", headers=auth(key)), 401)["detail"]


def test_the_document_needs_no_key(sqlite_world):
    response = sqlite_world.client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.")


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"text"', "", "[" * 100_000])
def test_a_body_that_is_not_a_json_object_is_400(sqlite_world, editor, data):
    response = sqlite_world.client.post(
        "/api/v1/notices", headers={**editor, "Content-Type": "application/json"}, data=data
    )
    problem(response, 400)


def test_a_body_too_large_is_413(sqlite_world, editor):
    data = '{"free_text": "' + "x" * (5 * 1024 * 1024) + '"}'
    problem(
        sqlite_world.client.post("/api/v1/notices", headers={**editor, "Content-Type": "application/json"}, data=data),
        413,
    )


def test_unknown_routes_and_methods_under_the_api_are_problems_too(sqlite_world, editor):
    client = sqlite_world.client
    problem(client.get("/api/v1/no-such-thing", headers=editor), 404)
    problem(client.get("/api/v1/notices/abc", headers=editor), 404)
    problem(client.get("/api/v1/notices/999", headers=editor), 404)
    problem(client.get("/api/v1/notices/99999999999999999999", headers=editor), 404)
    problem(client.get("/api/v1/cases/KH-2025-999999", headers=editor), 404)
    response = client.delete("/api/v1/notices", headers=editor)
    problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    # Outside /api/v1 a resident gets the public page, an officer the console's.
    outside = client.get("/no-such-page")
    assert outside.status_code == 404 and outside.mimetype == "text/html"
    assert "找不到這則通知" in outside.get_data(as_text=True)  # the default language: no Accept-Language
    assert client.get("/api/v10/notices").mimetype == "text/html"


def test_nobody_to_receive_it_means_it_cannot_be_submitted(sqlite_world, editor):
    glossary, now = sqlite_world.services.glossary, datetime.now(UTC)
    with sqlite_world.services.session_factory.begin() as session:  # one resident, following 苓雅區 only
        session.execute(
            insert(Subscriber),
            [
                {
                    "channel": "line",
                    "platform_user_id": "U" + "1" * 32,
                    "language": "en",
                    "topics": TOPIC_BITS["disaster"],
                    "districts": district_bit(glossary, "lingya"),
                    "whole_city": False,
                    "status": "active",
                    "test_recipient": False,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
    nobody = _compose(sqlite_world, editor, params=sqlite_world.example_params(districts=["前鎮區"])).get_json()
    body = problem(sqlite_world.client.post(f"{nobody['url']}/submit", headers=editor), 409)
    assert "no recipients" in body["detail"]
    assert sqlite_world.client.get(f"{nobody['url']}/preview", headers=editor).get_json()["total"] == 0
    somebody = _compose(sqlite_world, editor, params=sqlite_world.example_params(districts=["苓雅區"])).get_json()
    assert sqlite_world.client.post(f"{somebody['url']}/submit", headers=editor).status_code == 200


def test_schedule_times_and_cron_expressions_are_checked(sqlite_world, editor):
    sqlite_world.residents(100)
    approver = auth(sqlite_world.key("approver", "approver"))
    url = _compose(sqlite_world, editor).get_json()["url"]
    client = sqlite_world.client
    client.post(f"{url}/submit", headers=editor)
    client.post(f"{url}/approve", headers=approver)
    cases = [
        ({"cron": "every monday"}, "cron"),
        ({"cron": "0 9 * *"}, "cron"),
        ({"cron": "0 9 31 2 *"}, "cron"),
        ({"at": "2020-01-01T09:00"}, "at"),
        ({"at": "soon"}, "at"),
        ({"at": 5}, "at"),
        ({}, "at"),
        ({"when": "now"}, "when"),
        ({"at": "2099-01-01T09:00", "cron": "0 9 * * *"}, "at"),
    ]
    for body, field in cases:
        assert field in problem(client.post(f"{url}/schedule", headers=approver, json=body), 422)["errors"], body
    assert client.get(url, headers=approver).get_json()["status"] == "approved"


def test_query_parameters_are_checked(sqlite_world, editor):
    client = sqlite_world.client
    for query, field in (
        ("limit=201", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("limit=ten", "limit"),
        ("status=lost", "status"),
        ("training=maybe", "training"),
        ("stauts=draft", "stauts"),
    ):
        assert field in problem(client.get(f"/api/v1/notices?{query}", headers=editor), 422)["errors"], query
    for query, field in (("district=Atlantis", "district"), ("category=ufo", "category"), ("status=x", "status")):
        assert field in problem(client.get(f"/api/v1/cases?{query}", headers=editor), 422)["errors"], query


def test_a_database_failure_is_503_without_a_traceback(sqlite_world, editor, monkeypatch):
    from bot.office import drafts

    def broken(*args, **kwargs):
        raise OperationalError("INSERT INTO notices …", {}, Exception("database is locked"))

    monkeypatch.setattr(drafts, "compose_notice", broken)
    response = _compose(sqlite_world, editor)
    body = problem(response, 503)
    assert "locked" not in body["detail"] and response.headers["Retry-After"]


def test_a_key_past_its_requests_a_minute_waits_and_other_keys_do_not(tmp_path):
    world = ApiWorld(tmp_path, f"sqlite:///{tmp_path / 'civicast.db'}", more_config="api:\n  requests_per_minute: 3\n")
    try:
        busy, other = auth(world.key("script", "editor")), auth(world.key("ed-lin", "editor"))
        assert [world.client.get("/api/v1/kinds", headers=busy).status_code for _ in range(3)] == [200] * 3
        response = world.client.get("/api/v1/kinds", headers=busy)
        body = problem(response, 429)
        assert body["type"].endswith("/rate-limited") and "3 requests a minute" in body["detail"]
        assert 1 <= int(response.headers["Retry-After"]) <= 20
        assert world.client.get("/api/v1/kinds", headers=other).status_code == 200
        spec = world.client.get("/api/v1/openapi.json").get_json()
        assert spec["paths"]["/kinds"]["get"]["responses"]["429"] == {"$ref": "#/components/responses/TooManyRequests"}
    finally:
        world.close()
