"""GET /api/v1/channels and the paused channels in a notice's report, with LINE paused for real by its
monthly quota in the sandbox; each answer is checked against the app's own OpenAPI document."""

from __future__ import annotations

import pytest
import schemathesis

from bot.app import create_app
from bot.office.accounts import create_officer
from bot.office.api_keys import create_api_key
from tests.bot.api.conftest import auth, problem
from tests.support.paused_line import PausedLine

LINE_SAYS = "You have reached your monthly limit."


@pytest.fixture
def line(tmp_path, database_url):
    built = PausedLine(tmp_path, database_url)
    built.app = create_app(built.services.settings, built.services, resume_webhook_events=False)
    built.keys = {}
    with built.services.session_factory.begin() as session:
        for username, role, mode in (("ap-chen", "approver", "live"), ("ed-lin", "editor", "test")):
            create_officer(session, username, role)
            built.keys[username] = create_api_key(session, username, name="channel test", mode=mode)[1]
    yield built
    built.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
    built.close()


def conforming(app, path: str, response) -> dict:
    """The response's body, once checked against the operation in the document the app serves."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = "/notices/{id}/report" if path.endswith("/report") else path
    schema[operation]["GET"].validate_response(response)  # raises, naming what does not conform
    return response.get_json()


def test_channels_say_whether_they_are_paused_why_since_when_and_what_waits(line):
    client = line.app.test_client()
    answer = client.get("/api/v1/channels", headers=auth(line.keys["ap-chen"]))
    assert answer.status_code == 200
    sending = {c["channel"]: c for c in conforming(line.app, "/channels", answer)["channels"]}
    assert sending["line"] == {
        "channel": "line",
        "enabled": True,
        "paused": False,
        "reason": None,
        "since": None,
        "pending": {"deliveries": 0, "residents": 0},
    }

    notice_id = line.pause_line(quota=1000, residents=1200)
    for key in line.keys.values():  # a test key may look too: it changes nothing
        answer = client.get("/api/v1/channels", headers=auth(key))
        assert answer.status_code == 200
        channels = {c["channel"]: c for c in conforming(line.app, "/channels", answer)["channels"]}
        paused = channels["line"]
        assert paused["paused"] and LINE_SAYS in paused["reason"] and paused["since"].endswith("+00:00")
        assert paused["pending"]["deliveries"] == 1 and paused["pending"]["residents"] in (200, 500)
        assert channels["facebook"]["paused"] is False and channels["facebook"]["pending"]["deliveries"] == 0

    report = client.get(f"/api/v1/notices/{notice_id}/report", headers=auth(line.keys["ap-chen"]))
    assert report.status_code == 200
    body = conforming(line.app, "/notices/{id}/report", report)
    assert body["paused_channels"] == [
        {
            "channel": "line",
            "reason": paused["reason"],
            "since": paused["since"],
            "pending": paused["pending"],
            "pending_all_notices": paused["pending"],
        }
    ]
    assert body["channels"]["line"]["pending"] == paused["pending"]["residents"]


def test_channels_need_a_key(line):
    problem(line.app.test_client().get("/api/v1/channels"), 401)
