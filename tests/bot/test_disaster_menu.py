"""Disaster mode end to end, through the sandbox: a Severe typhoon notice for 旗山區, written and approved by two
officers, switches only that district's LINE residents to the disaster menu in their language; its Cancel
switches them back; the notice's delivery page shows how far the switch has come; a resident who picks a
language meanwhile gets the disaster menu at once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.conversation.texts import BotTexts
from bot.richmenu import RichMenus
from scheduler.audience import Subscriber
from scheduler.jobs import SchedulerRuntime
from scheduler.menu_switch import outstanding_switches
from scheduler.outbox import outstanding
from tests.support.console_pages import Officer, html, text
from tests.support.console_stack import LANGUAGE_CYCLE, PASSWORDS, ConsoleStack
from tests.support.officers import api_key

QISHAN = [f"U{n:032x}" for n in range(1, 4)]  # zh-Hant, en, vi (the stack cycles languages)
LINGYA = [f"U{n:032x}" for n in range(4, 7)]  # id, th, fil
TYPHOON = {
    "kind": "typhoon_land_warning",
    "params": {"typhoon_name": "山陀兒|Krathon", "intensity": "moderate", "districts": ["qishan"]},
}


@pytest.fixture
def stack(tmp_path, database_url, engine):
    built = ConsoleStack(tmp_path, database_url)
    built.add_residents({**{user: ["qishan"] for user in QISHAN}, **{user: ["lingya"] for user in LINGYA}})
    services = built.services
    menus = RichMenus(services.line, BotTexts(services.catalogs))
    created = menus.create_all(tuple(LANGUAGE_CYCLE[:6]))
    with services.session_factory.begin() as session:
        RichMenus.remember(session, created)
    built.menus = created
    yield built
    built.close()


def two_officers_send(stack, body=None, *, url=None, approver_name="ap-chen") -> str:
    """The editor writes the notice (or another officer wrote it) and submits it; a second officer approves
    and sends it."""
    client, factory = stack.app.test_client(), stack.services.session_factory
    editor = {"Authorization": api_key(factory, "ed-lin")}
    approver = {"Authorization": api_key(factory, approver_name)}
    if url is None:
        url = client.post("/api/v1/notices", headers=editor, json=body).get_json()["url"]
        assert client.post(f"{url}/submit", headers=editor).status_code == 200
    assert client.post(f"{url}/approve", headers=approver).status_code == 200, client.get(url, headers=editor).json
    assert client.post(f"{url}/send", headers=approver, json={"confirm": True}).status_code == 202
    return url


def tick(stack) -> None:
    """The scheduler's tick's rich-menu step (the rest of the tick needs a running APScheduler)."""
    SchedulerRuntime(stack.services.dispatch, scheduler=None, misfire_grace_s=60).switch_menus(datetime.now(UTC))


def delivery_page(stack, notice_id: int):
    officer = Officer(stack.app, "ed-lin", password=PASSWORDS["ed-lin"])
    return html(officer.get(f"/console/notices/{notice_id}/delivery"))


def settled(stack) -> bool:
    with stack.services.session_factory() as session:
        return outstanding(session) + outstanding_switches(session) == 0


def menus_of(stack, users) -> dict[str, str | None]:
    links = stack.sandbox.rich_menus.state.links
    return {user: links.get(user) for user in users}


def expected(stack, kind, users) -> dict[str, str]:
    return {user: stack.menus[(kind, LANGUAGE_CYCLE[int(user[1:], 16) - 1])] for user in users}


def test_a_severe_typhoon_notice_for_qishan_switches_only_its_residents_and_its_cancel_switches_them_back(stack):
    url = two_officers_send(stack, TYPHOON)
    notice_id = int(url.rsplit("/", 1)[1])
    tick(stack)
    stack.wait_for(lambda: menus_of(stack, QISHAN) == expected(stack, "disaster", QISHAN))
    assert menus_of(stack, LINGYA) == dict.fromkeys(LINGYA)  # the other district: unchanged

    switched = text(delivery_page(stack, notice_id), "//section[@id='menu-switches']")
    assert "3 of 3 residents switched; batches: 3 done, 0 waiting, 0 failed." in switched

    client = stack.app.test_client()
    approver = {"Authorization": api_key(stack.services.session_factory, "ap-chen")}
    cancellation = client.post(f"{url}/cancel", headers=approver).get_json()["cancellation"]  # written by ap-chen
    two_officers_send(stack, url=cancellation["url"], approver_name="ad-wu")
    tick(stack)
    stack.wait_for(lambda: menus_of(stack, QISHAN) == expected(stack, "normal", QISHAN))
    assert menus_of(stack, LINGYA) == dict.fromkeys(LINGYA)
    assert "Back to the normal menu" in text(delivery_page(stack, notice_id), "//section[@id='menu-switches']")


@pytest.mark.parametrize("change", [{"severity": "Moderate"}, {"training": True}])
def test_a_moderate_or_a_training_notice_switches_nobody(stack, change):
    stack.add_residents({"U" + "f" * 32: ["qishan"]}, test_recipient=True)  # a training notice reaches this one
    two_officers_send(stack, {**TYPHOON, **change})
    tick(stack)
    stack.wait_for(lambda: settled(stack))
    everyone = [*QISHAN, *LINGYA, "U" + "f" * 32]
    assert menus_of(stack, everyone) == dict.fromkeys(everyone)


def test_a_resident_choosing_a_language_in_disaster_mode_gets_the_disaster_menu(stack):
    two_officers_send(stack, TYPHOON)
    bot = stack.app.extensions["civicast.line_bot"]
    # Both residents' language choices answered in one round, as a webhook worker answers them.
    events = [(uuid.uuid4().hex, language_choice(user, "th")) for user in (QISHAN[0], LINGYA[0])]
    for deliver in bot.decide([[event] for event in events]):
        deliver(lambda _event_id: None)
    assert menus_of(stack, [QISHAN[0], LINGYA[0]]) == {
        QISHAN[0]: stack.menus[("disaster", "th")],
        LINGYA[0]: stack.menus[("normal", "th")],
    }
    with stack.services.session_factory() as session:  # the kind given, where the reconciler starts from
        given = session.execute(
            select(Subscriber.platform_user_id, Subscriber.rich_menu_kind).where(
                Subscriber.platform_user_id.in_([QISHAN[0], LINGYA[0]])
            )
        )
        assert dict(given.all()) == {QISHAN[0]: "disaster", LINGYA[0]: "normal"}


def language_choice(user: str, code: str) -> dict:
    """A LINE postback event choosing a language, as LINE delivers it (no reply token: the answer goes by push)."""
    return {
        "type": "postback",
        "mode": "active",
        "timestamp": int(datetime.now(UTC).timestamp() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "postback": {"data": f"action=lang&code={code}"},
    }
