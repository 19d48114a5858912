"""Training stays training: a test API key, acting alone, cannot touch a live warning by any verb, and nothing a
training notice does reaches a resident who is not a test recipient or appears on the public pages and feeds as
real. The whole system runs on 127.0.0.1 (web app, sandbox LINE and Graph API, a worker), driven over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from bot.office import desk, drafts
from messages.models import Notice, NoticeStatus
from scheduler.outbox import Delivery
from tests.bot.office.conftest import APPROVER, EDITOR
from tests.support.confirmed import CONFIRMED
from tests.support.console_pages import Officer
from tests.support.console_stack import PASSWORDS, ConsoleStack
from tests.support.officers import api_key

LINGYA = {f"U{n:032x}": ["lingya"] for n in range(1, 31)}
TESTERS = {f"U{n:032x}": [] for n in range(900, 903)}
PUBLIC = ("/notices?lang=en", "/feeds/cable/zh-Hant.txt", "/feeds/cable/en.json", "/feeds/cap.atom")
TEST_KEY_RULE = "test keys act only on sandboxed notices"


@pytest.fixture
def stack(tmp_path, database_url, engine):
    built = ConsoleStack(tmp_path, database_url)
    built.add_residents(LINGYA)
    built.add_residents(TESTERS, test_recipient=True)
    yield built
    built.close()


def rain(training=False):
    return drafts.NoticeInput("heavy_rain", {"level": "torrential_rain", "districts": ["lingya"]}, training=training)


def notice_in(stack, status: str, *, training=False) -> int:
    """A notice of ed-lin's taken as far as ``status`` by the desk, as officers in the console would."""
    services = stack.services
    with services.session_factory.begin() as session:
        notice_id = drafts.compose_notice(session, services.composer, EDITOR, rain(training), now=datetime.now(UTC)).id
        if status != "draft":
            desk.submit_notice(
                session,
                EDITOR,
                notice_id,
                glossary=services.glossary,
                channels=services.channel_limits,
                now=datetime.now(UTC),
            )
    if status in ("approved", "sent"):
        desk.approve_notice(services.dispatch, APPROVER if not training else EDITOR, notice_id)
    if status == "sent":
        desk.send_notice_now(
            services.dispatch,
            APPROVER if not training else EDITOR,
            notice_id,
            channels=services.channel_limits,
            confirmation=CONFIRMED,
        )
    return notice_id


def inbox_sizes(stack, users) -> dict[str, int]:
    return {
        user: len(requests.get(f"{stack.sandbox.url}/sandbox/line/inbox/{user}", timeout=5).json()["messages"])
        for user in users
    }


def delivered(stack, notice_id, count) -> bool:
    with stack.services.session_factory() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.notice_id == notice_id, Delivery.status == "sent", Delivery.channel == "line")
            )
            or 0
        ) >= count


def snapshot(stack, notice_id) -> dict:
    """Everything residents and broadcasters can see of the notice, and the notice itself."""
    seen = {path: requests.get(stack.url + path, timeout=10).text for path in (*PUBLIC, f"/n/{notice_id}?lang=en")}
    with stack.services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        seen["row"] = (notice.status, notice.updated_at, notice.approver, list(notice.contributors))
        seen["notices"] = session.scalar(select(func.count()).select_from(Notice))
        seen["deliveries"] = session.scalar(select(func.count()).select_from(Delivery))
    seen["inboxes"] = inbox_sizes(stack, [*LINGYA, *TESTERS])
    seen["page_posts"] = len(requests.get(f"{stack.sandbox.url}/sandbox/facebook/posts", timeout=5).json()["data"])
    return seen


def test_a_test_key_acting_alone_cannot_touch_a_live_warning_by_any_verb(stack):
    sent = notice_in(stack, "sent")
    stack.wait_for(lambda: delivered(stack, sent, 1))
    submitted, approved, draft = notice_in(stack, "submitted"), notice_in(stack, "approved"), notice_in(stack, "draft")
    assert "torrential rain" in requests.get(f"{stack.url}/feeds/cable/en.txt", timeout=10).text.lower()
    before = {notice_id: snapshot(stack, notice_id) for notice_id in (sent, submitted, approved, draft)}
    headers = {"Authorization": api_key(stack.services.session_factory, "ap-chen", mode="test")}
    attempts = [
        ("post", sent, "updates", {"params": {"level": "heavy_rain"}, "free_text": "TEST – no action is needed"}),
        ("post", sent, "cancel", None),
        ("post", submitted, "reject", {"reason": "test"}),
        ("post", submitted, "approve", {"acknowledge_untranslated": True}),
        ("post", draft, "submit", None),
        ("post", approved, "send", None),
        ("post", approved, "schedule", {"at": "2099-01-01T08:00"}),
        ("patch", draft, "", {"params": {"level": "heavy_rain", "districts": ["all"]}}),
        ("get", sent, "", None),
        ("get", sent, "preview", None),
        ("get", sent, "report", None),
    ]
    for method, notice_id, verb, body in attempts:
        url = f"{stack.url}/api/v1/notices/{notice_id}" + (f"/{verb}" if verb else "")
        response = requests.request(method, url, headers=headers, json=body, timeout=30)
        assert response.status_code == 403, (method, verb, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["rule"] == TEST_KEY_RULE, (method, verb)
    listed = requests.get(f"{stack.url}/api/v1/notices", headers=headers, timeout=10).json()
    assert listed["total"] == 0  # a test key does not even see live notices
    for notice_id, seen in before.items():
        assert snapshot(stack, notice_id) == seen, notice_id


def test_an_update_of_a_live_notice_is_live_whatever_the_form_says_and_needs_a_second_officer(stack):
    sent = notice_in(stack, "sent")
    stack.wait_for(lambda: delivered(stack, sent, 1))
    approver = Officer(stack.app, "ap-chen", password=PASSWORDS["ap-chen"])
    form = {"p.level": "heavy_rain", "p.districts": "lingya", "training": "1", "free_text_lang": "zh-Hant"}
    response = approver.post(f"/console/notices/{sent}/update", form)
    assert response.status_code == 303, response.get_data(as_text=True)
    update_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with stack.services.session_factory() as session:
        update = session.get(Notice, update_id)
        assert (update.training, update.sandboxed, update.references_id) == (False, False, sent)
    approver.post(f"/console/notices/{update_id}/submit")
    page = approver.get(f"/console/notices/{update_id}").get_data(as_text=True)
    assert 'data-action="approve"' not in page  # its writer is not its approver
    refused = approver.post(f"/console/notices/{update_id}/approve")
    assert "second officer" in approver.get(refused.headers["Location"]).get_data(as_text=True)
    with stack.services.session_factory() as session:
        assert session.get(Notice, update_id).status == NoticeStatus.SUBMITTED
        assert session.get(Notice, sent).status in (NoticeStatus.SENDING, NoticeStatus.SENT)


def test_a_drill_and_its_update_reach_only_test_recipients_and_never_look_real(stack):
    drill = notice_in(stack, "sent", training=True)
    stack.wait_for(lambda: delivered(stack, drill, 1))
    with stack.services.session_factory.begin() as session:
        update_id = drafts.issue_update(
            session, stack.services.composer, EDITOR, drill, rain(training=False), now=datetime.now(UTC)
        ).id
        assert session.get(Notice, update_id).training is True  # asked live: an Update of a drill is a drill
    desk.approve_notice(stack.services.dispatch, EDITOR, update_id)
    desk.send_notice_now(
        stack.services.dispatch, EDITOR, update_id, channels=stack.services.channel_limits, confirmation=CONFIRMED
    )
    stack.wait_for(lambda: delivered(stack, update_id, 1))
    assert set(inbox_sizes(stack, LINGYA).values()) == {0}
    assert set(inbox_sizes(stack, TESTERS).values()) == {2}
    for path in PUBLIC:
        assert "rain" not in requests.get(stack.url + path, timeout=10).text.lower(), path
    page = requests.get(f"{stack.url}/n/{drill}?lang=en", timeout=10).text
    assert "TEST" in page and 'name="robots" content="noindex' in page
    assert requests.get(f"{stack.url}/feeds/cap/{_identifier(stack, drill)}.xml", timeout=10).status_code == 404


def test_a_sandboxed_notice_is_never_shown_to_the_public(stack):
    headers = {"Authorization": api_key(stack.services.session_factory, "ed-lin", mode="test")}
    created = requests.post(
        f"{stack.url}/api/v1/notices",
        headers=headers,
        timeout=10,
        json={"kind": "heavy_rain", "params": {"level": "torrential_rain", "districts": ["lingya"]}},
    ).json()
    for verb in ("submit", "approve", "send"):
        body = {"confirm": True} if verb == "send" else None
        response = requests.post(f"{stack.url}{created['url']}/{verb}", headers=headers, json=body, timeout=30)
        assert response.status_code in (200, 202), response.text
    stack.wait_for(lambda: delivered(stack, created["id"], 1))
    assert set(inbox_sizes(stack, LINGYA).values()) == {0}
    assert requests.get(f"{stack.url}/n/{created['id']}?lang=en", timeout=10).status_code == 404
    assert requests.get(f"{stack.url}/api/v1/notices", headers=headers, timeout=10).json()["total"] == 1


def _identifier(stack, notice_id) -> str:
    with stack.services.session_factory() as session:
        return session.get(Notice, notice_id).identifier
