"""A channel paused by LINE's monthly quota, in the console: the banner on every page with LINE's reason and
what waits, the notice's delivery page, and the Resume button (quota first, audited, approvers only)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.office.accounts import create_officer
from bot.office.models import AuditEntry
from scheduler.channel_status import channel_status
from tests.support.console_pages import PASSWORDS, Officer, check_accessible_structure, html, text
from tests.support.paused_line import PausedLine

LINE_SAYS = "You have reached your monthly limit."


@pytest.fixture
def line(tmp_path, database_url):
    built = PausedLine(tmp_path, database_url)
    with built.services.session_factory.begin() as session:
        for username, role in (("ap-chen", "approver"), ("ed-lin", "editor")):
            create_officer(session, username, role, display_name=username, password=PASSWORDS[username])
    yield built
    built.close()


@pytest.fixture
def app(line):
    application = create_app(line.services.settings, line.services, resume_webhook_events=False)
    yield application
    application.extensions["civicast.webhook_executor"].shutdown(wait=True)


def banner(response) -> str:
    return text(html(response), "//div[@class='channel-paused']")


def resume_forms(response) -> list:
    return html(response).xpath("//form[contains(@action, '/channels/line/resume')]")


def waiting(line) -> tuple[bool, int, int]:
    with line.services.session_factory() as session:
        status = channel_status(session, "line")
    return status.paused, status.waiting.residents, status.waiting.deliveries


def resumes(line) -> list[AuditEntry]:
    with line.services.session_factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "resume_channel")))


def flashes(officer, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return text(html(officer.get(response.headers["Location"])), "//div[@class='flashes']")


def test_every_page_shows_the_pause_and_an_editor_can_neither_see_nor_forge_the_resume(app, line):
    notice_id = line.pause_line(quota=1000, residents=1200)
    paused, residents, deliveries = waiting(line)
    assert paused and residents in (200, 500) and deliveries == 1
    editor = Officer(app, "ed-lin")
    for page in ("/console/", "/console/subscribers", "/console/audit", f"/console/notices/{notice_id}"):
        shown = banner(editor.get(page))
        assert "LINE is paused since" in shown and LINE_SAYS in shown, page
        assert f"Residents waiting on it: {residents:,} (deliveries: 1)." in shown
        assert "An approver can resume it" in shown
        assert resume_forms(editor.get(page)) == []

    delivery = editor.get(f"/console/notices/{notice_id}/delivery")
    own = text(html(delivery), "//div[@id='delivery-live']//p[@class='channel-paused']")
    assert LINE_SAYS in own and f"of this notice: {residents:,} (deliveries: 1); of all notices: {residents:,}" in own
    assert LINE_SAYS in editor.get(f"/console/notices/{notice_id}/delivery?partial=1").get_data(as_text=True)

    editor.language("zh-Hant")
    assert "LINE 自" in banner(editor.get("/console/")) and "暫停發送" in banner(editor.get("/console/"))

    forged = editor.post("/console/channels/line/resume", {"force": "1"})
    assert forged.status_code == 403
    assert waiting(line)[0] and resumes(line) == []


def test_the_resume_button_asks_line_first_and_is_audited(app, line):
    notice_id = line.pause_line(quota=1000, residents=1200)
    _, residents, _ = waiting(line)
    approver = Officer(app, "ap-chen")
    delivery_page = f"/console/notices/{notice_id}/delivery"
    check_accessible_structure(html(approver.get(delivery_page)))  # the banner's form: labelled, with its token
    [form] = resume_forms(approver.get(delivery_page))
    assert form.xpath(".//input[@name='next']/@value") == [delivery_page]

    refused = approver.post("/console/channels/line/resume", {"next": delivery_page})
    assert refused.headers["Location"].endswith(delivery_page)
    said = flashes(approver, refused)
    assert "LINE stays paused:" in said and "of 1,000" in said and "LINE Official Account Manager" in said
    assert waiting(line)[0] and resumes(line) == []

    line.set_quota(5000)  # the office raised the monthly limit with LINE
    resumed = approver.post("/console/channels/line/resume", {"next": "https://elsewhere.example/"})
    assert resumed.headers["Location"].endswith("/console/")  # never off the console
    said = flashes(approver, resumed)
    assert f"LINE resumed. Residents it is now sending to: {residents:,} (deliveries: 1)." in said
    assert f"Quota: {1200 - residents:,} of 5,000 messages used this month." in said  # all the rest went out
    assert not waiting(line)[0] and banner(approver.get("/console/")) == ""
    [entry] = resumes(line)
    assert (entry.actor, entry.via, entry.subject_type, entry.subject_id) == ("ap-chen", "console", "channel", "line")
    assert entry.detail["quota_limit"] == 5000 and entry.detail["forced"] is False
    assert LINE_SAYS in entry.detail["reason"]
    log = text(html(approver.get("/console/audit?subject_type=channel")))
    assert "resumed a paused channel" in log and "channel: line" in log

    again = approver.post("/console/channels/line/resume", {})
    assert "LINE was not paused." in flashes(approver, again)
    assert approver.post("/console/channels/fax/resume", {}).status_code == 404


def test_when_line_cannot_say_its_quota_only_an_explicit_insistence_resumes(app, line):
    line.pause_line(quota=600, residents=900)
    line.line_faults(error_rate=1.0)
    approver = Officer(app, "ap-chen")
    said = flashes(approver, approver.post("/console/channels/line/resume", {}))
    assert "LINE stays paused: its quota could not be read (LINE server error 500" in said
    assert waiting(line)[0]
    said = flashes(approver, approver.post("/console/channels/line/resume", {"force": "1"}))
    assert "LINE resumed." in said and "resumed although the quota check did not allow it" in said
    [entry] = resumes(line)
    assert entry.detail["forced"] is True and entry.detail["verdict"] == "unknown"
