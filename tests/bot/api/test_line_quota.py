"""LINE's monthly quota in the API: the preview's line_quota, and a send past the quota refused (422, naming
exceed_quota) until the body says exceed_quota; against the sandbox's monthly limit, through line-bot-sdk."""

from __future__ import annotations

import pytest
import schemathesis

from bot.app import create_app
from bot.office.accounts import create_officer
from bot.office.api_keys import create_api_key
from messages.models import Notice, NoticeStatus
from tests.bot.api.conftest import auth, problem
from tests.support.paused_line import PausedLine


@pytest.fixture
def line(tmp_path, database_url):
    built = PausedLine(tmp_path, database_url)
    built.app = create_app(built.services.settings, built.services, resume_webhook_events=False)
    with built.services.session_factory.begin() as session:
        create_officer(session, "ap-chen", "approver")
        built.key = create_api_key(session, "ap-chen", name="quota test", mode="live")[1]
    yield built
    built.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
    built.close()


def preview(line, notice_id: int) -> dict:
    response = line.app.test_client().get(f"/api/v1/notices/{notice_id}/preview", headers=auth(line.key))
    assert response.status_code == 200, response.get_data(as_text=True)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", line.app)
    schema["/notices/{id}/preview"]["GET"].validate_response(response)
    return response.get_json()["line_quota"]


def status(line, notice_id: int) -> str:
    with line.services.session_factory() as session:
        return session.get(Notice, notice_id).status


def test_a_send_past_the_quota_is_a_clear_problem_until_the_client_insists(line):
    line.set_quota(1000)
    line.spend(900)
    notice_id = line.approved_notice(250)
    assert preview(line, notice_id) == {
        "channel": "line",
        "needed": 250,
        "used": 900,
        "limit": 1000,
        "remaining": 100,
        "exceeds": True,
        "error": None,
    }
    client = line.app.test_client()
    url = f"/api/v1/notices/{notice_id}/send"
    for body in (None, {"exceed_quota": False}):
        refused = problem(client.post(url, headers=auth(line.key), json=body), 422)
        assert "needs 250 LINE messages but only 100 of this month's 1,000 are left" in refused["detail"]
        assert set(refused["errors"]) == {"exceed_quota"}
    assert status(line, notice_id) == NoticeStatus.APPROVED
    assert problem(client.post(url, headers=auth(line.key), json={"exceed_quota": "yes"}), 422)["errors"] == {
        "exceed_quota": "must be true or false"
    }

    sent = client.post(
        url, headers=auth(line.key), json={"exceed_quota": True, "confirm": True, "notice_number": notice_id}
    )
    assert sent.status_code == 202, sent.get_data(as_text=True)
    assert sent.get_json()["recipients"]["line"] == {"en": 250} and status(line, notice_id) == NoticeStatus.SENDING


def test_a_send_within_the_quota_needs_nothing_more(line):
    line.set_quota(1000)
    notice_id = line.approved_notice(40)
    assert preview(line, notice_id)["remaining"] == 1000
    sent = line.app.test_client().post(
        f"/api/v1/notices/{notice_id}/send", headers=auth(line.key), json={"confirm": True, "notice_number": notice_id}
    )
    assert sent.status_code == 202 and status(line, notice_id) == NoticeStatus.SENDING
