"""The API's ask_checkin field: set on a new notice, kept by a PATCH that does not name it, carried over by an
Update, refused when not a boolean, and documented in the OpenAPI document."""

from __future__ import annotations

from sqlalchemy import select

from bot.office.models import AuditEntry
from messages.models import Notice, NoticeStatus
from tests.bot.api.conftest import auth, problem


def test_a_notice_asks_recipients_to_check_in_and_its_update_keeps_asking(world):
    editor = auth(world.key("editor", "editor"))
    body = {"kind": "heavy_rain", "params": world.example_params("heavy_rain"), "ask_checkin": True}
    created = world.client.post("/api/v1/notices", headers=editor, json=body)
    assert created.status_code == 201, created.get_json()
    notice = created.get_json()
    assert notice["ask_checkin"] is True
    patched = world.client.patch(notice["url"], headers=editor, json={"free_text": "請注意安全"})
    assert patched.status_code == 200 and patched.get_json()["ask_checkin"] is True
    with world.services.session_factory.begin() as session:
        session.get(Notice, notice["id"]).status = NoticeStatus.SENT  # as if sent: an Update may be written
        summary = session.scalar(
            select(AuditEntry.summary).where(AuditEntry.subject_id == str(notice["id"]), AuditEntry.action == "compose")
        )
    assert "asks recipients to check in" in summary
    update = world.client.post(f"{notice['url']}/updates", headers=editor, json={})
    assert update.status_code == 201 and update.get_json()["ask_checkin"] is True
    quiet = world.client.post(f"{notice['url']}/updates", headers=editor, json={"ask_checkin": False})
    assert quiet.get_json()["ask_checkin"] is False


def test_a_non_boolean_is_refused_naming_the_field(world):
    editor = auth(world.key("editor", "editor"))
    body = {"kind": "heavy_rain", "params": world.example_params("heavy_rain"), "ask_checkin": "yes"}
    refused = problem(world.client.post("/api/v1/notices", headers=editor, json=body), 422)
    assert "ask_checkin" in str(refused)
    with world.services.session_factory() as session:
        assert session.scalars(select(Notice)).all() == []


def test_the_openapi_document_describes_the_field(world):
    document = world.client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["NoticeInput"]["properties"]["ask_checkin"]["type"] == "boolean"
    assert "ask_checkin" in schemas["Notice"]["required"]
