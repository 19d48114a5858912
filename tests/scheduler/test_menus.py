"""Disaster mode's rich menus: who is switched (live Severe or Extreme notices by district, never training or
Moderate), the batches sent through the sandbox's bulk link endpoint within its limits, retried after a 429,
and everyone back to their normal menu when the notice ends."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from PIL import Image
from sqlalchemy import func, select, update

from channels.base import LimitExceeded, PermanentError, RetryableError
from channels.line import LineChannel
from messages.i18n import LANGUAGES
from messages.models import Notice, NoticeStatus
from scheduler.audience import Subscriber, district_mask
from scheduler.menu_switch import MenuSwitcher, outstanding_switches, switch_progress
from scheduler.menus import LineRichMenu, MenuKind, MenuSwitch, queue_menu_switches
from scheduler.worker import RetryPolicy
from tests.scheduler.conftest import add_residents, approved_notice
from tests.support.sandbox import LINE_TOKEN

FAST_RETRY = RetryPolicy(max_attempts=8, base_s=0.01, max_s=0.05)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2500, 843), "#B71C1C").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def line(sandbox):
    sandbox.rich_menus.state.links.clear()
    sandbox.rich_menus.bulk_faults.update({"rate_limit_rps": 2000.0, "rate_429": 0.0, "error_rate": 0.0})
    channel = LineChannel(access_token=LINE_TOKEN, api_base_url=sandbox.url)
    yield channel
    channel.close()


@pytest.fixture
def menus(line, session_factory):
    """Both kinds of menu in every language, created in the sandbox (with images) and recorded."""
    image, created = png(), {}
    for kind in MenuKind:
        for language in LANGUAGES:
            menu_id = line.create_rich_menu(
                {
                    "size": {"width": 2500, "height": 843},
                    "selected": True,
                    "name": f"{kind} {language}",
                    "chatBarText": "Menu",
                    "areas": [
                        {
                            "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                            "action": {"type": "postback", "data": "action=alert"},
                        }
                    ],
                }
            )
            line.upload_rich_menu_image(menu_id, image)
            created[(kind.value, language)] = menu_id
    with session_factory.begin() as session:
        session.add_all(
            LineRichMenu(kind=kind, language=language, rich_menu_id=menu_id)
            for (kind, language), menu_id in created.items()
        )
    return created


def live_notice(session_factory, composer, *, districts, training=False, severity=None, **params) -> int:
    with session_factory.begin() as session:
        notice = approved_notice(session, composer, training=training, districts=districts, **params)
        notice.status, notice.sent_at, notice.severity = NoticeStatus.SENT, datetime.now(UTC), severity
        return notice.id


def tick(session_factory, composer, glossary):
    with session_factory.begin() as session:
        return queue_menu_switches(session, datetime.now(UTC), kinds=composer.kinds, glossary=glossary)


def send_all(session_factory, line, *, rate: float = 2000.0, retry: RetryPolicy = FAST_RETRY) -> MenuSwitcher:
    switcher = MenuSwitcher(session_factory=session_factory, line=line, worker_id="test-worker", retry=retry, rate=rate)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        switcher.run_once()
        with session_factory() as session:
            if outstanding_switches(session) == 0:
                return switcher
        time.sleep(0.02)
    raise AssertionError("menu switches still outstanding")


@pytest.fixture
def residents(session_factory, glossary):
    with session_factory.begin() as session:
        return {
            "qishan": add_residents(session, glossary, 30, prefix=1, districts=["qishan"]),
            "lingya": add_residents(session, glossary, 20, prefix=2, districts=["lingya"]),
        }


def linked(sandbox) -> dict[str, str]:
    return dict(sandbox.rich_menus.state.links)


@pytest.mark.parametrize("ended", [NoticeStatus.CANCELLED, NoticeStatus.SUPERSEDED])
def test_a_severe_notice_switches_its_districts_residents_and_its_end_switches_them_back(
    sandbox, line, menus, residents, session_factory, composer, glossary, ended
):
    notice_id = live_notice(session_factory, composer, districts=["qishan"], intensity="moderate")  # → Severe
    queued = tick(session_factory, composer, glossary)
    assert (queued.to_disaster, queued.to_normal) == (30, 0)
    assert tick(session_factory, composer, glossary).to_disaster == 0  # queued once, not on every tick
    send_all(session_factory, line)
    links = linked(sandbox)
    with session_factory() as session:
        rows = session.execute(select(Subscriber.platform_user_id, Subscriber.language))
        languages = {user: language for user, language in rows}
        kinds = {
            kind: count
            for kind, count in session.execute(
                select(Subscriber.rich_menu_kind, func.count()).group_by(Subscriber.rich_menu_kind)
            )
        }
        assert switch_progress(session, notice_id) == {
            "disaster": {"done": 12, "pending": 0, "failed": 0, "residents": 30, "switched": 30}
        }
    assert {user: links.get(user) for user in residents["qishan"]} == {
        user: menus[("disaster", languages[user])] for user in residents["qishan"]
    }
    assert not any(user in links for user in residents["lingya"])
    assert kinds == {"disaster": 30, None: 20}

    with session_factory.begin() as session:  # a Cancel (or an Update) went out: the original has ended
        session.get(Notice, notice_id).status = ended
    assert tick(session_factory, composer, glossary).to_normal == 30
    send_all(session_factory, line)
    links = linked(sandbox)
    assert {user: links.get(user) for user in residents["qishan"]} == {
        user: menus[("normal", languages[user])] for user in residents["qishan"]
    }
    with session_factory() as session:
        assert switch_progress(session, notice_id)["normal"]["switched"] == 30  # shown on the ended notice


@pytest.mark.parametrize("notice", [{"severity": "Moderate"}, {"training": True}])
def test_a_moderate_or_training_notice_switches_nobody(
    sandbox, line, menus, residents, session_factory, composer, glossary, notice
):
    live_notice(session_factory, composer, districts=["qishan"], **notice)
    assert tick(session_factory, composer, glossary).to_disaster == 0
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(MenuSwitch)) == 0


def test_whole_city_notices_switch_everyone_and_an_expired_one_no_one(
    line, menus, residents, session_factory, composer, glossary
):
    notice_id = live_notice(session_factory, composer, districts=["all"])
    assert tick(session_factory, composer, glossary).to_disaster == 50
    with session_factory.begin() as session:
        session.get(Notice, notice_id).expires = datetime.now(UTC) - timedelta(seconds=1)
    assert tick(session_factory, composer, glossary).to_normal == 50  # queued back before any went out
    send_all(session_factory, line)
    with session_factory() as session:  # the disaster batches found nobody still due them
        assert session.scalar(select(func.sum(MenuSwitch.linked_count)).where(MenuSwitch.kind == "disaster")) == 0


def test_without_menus_nothing_is_queued_and_the_log_says_so_once(
    residents, session_factory, composer, glossary, caplog
):
    import scheduler.menus

    scheduler.menus._said_menus_missing = False
    live_notice(session_factory, composer, districts=["qishan"])
    assert tick(session_factory, composer, glossary).menus_missing
    tick(session_factory, composer, glossary)
    assert caplog.text.count("none were created") == 1


def test_the_sandbox_refuses_more_than_500_users_and_answers_429_over_its_rate(sandbox, line, menus):
    users = [f"U{n:032x}" for n in range(501)]
    with pytest.raises(LimitExceeded):
        line.link_rich_menu_to_users(menus[("disaster", "en")], users)
    with pytest.raises(PermanentError, match="Size must be between 1 and 500"):
        line._call(
            line._post,
            "/v2/bot/richmenu/bulk/link",  # what LINE says to a client that sends it anyway
            {"richMenuId": menus[("disaster", "en")], "userIds": users},
            None,
        )
    with pytest.raises(PermanentError, match="richmenu not found"):
        line.link_rich_menu_to_users("richmenu-unknown", users[:1])
    limited = requests.post(f"{sandbox.url}/sandbox/line/richmenus/faults", json={"rate_limit_rps": 1.0}, timeout=5)
    assert limited.json()["rate_limit_rps"] == 1.0
    line.link_rich_menu_to_users(menus[("disaster", "en")], users[:500])
    with pytest.raises(RetryableError) as refused:
        line.link_rich_menu_to_users(menus[("disaster", "en")], users[:500])
    assert refused.value.status == 429
    assert len(linked(sandbox)) == 500


def test_the_worker_retries_a_batch_refused_with_429(sandbox, line, menus, session_factory, composer, glossary):
    with session_factory.begin() as session:
        users = add_residents(session, glossary, 1200, prefix=3, language="vi", districts=["qishan"])
    live_notice(session_factory, composer, districts=["qishan"])
    tick(session_factory, composer, glossary)
    sandbox.rich_menus.bulk_faults.update({"rate_limit_rps": 2.0})  # the worker goes faster than this
    switcher = send_all(session_factory, line, rate=1000.0, retry=RetryPolicy(max_attempts=8, base_s=0.2, max_s=1.0))
    assert switcher.counters["retries"] >= 1 and switcher.counters["dead"] == 0
    links = linked(sandbox)
    assert all(links.get(user) == menus[("disaster", "vi")] for user in users)
    with session_factory() as session:
        rows = session.execute(select(MenuSwitch.user_count, MenuSwitch.status)).all()
    assert sorted(rows) == [(200, "sent"), (500, "sent"), (500, "sent")]


def test_a_resident_who_moves_into_a_district_in_disaster_mode_is_switched_on_the_next_tick(
    sandbox, line, menus, residents, session_factory, composer, glossary
):
    live_notice(session_factory, composer, districts=["qishan"])
    tick(session_factory, composer, glossary)
    send_all(session_factory, line)
    mover = residents["lingya"][0]
    with session_factory.begin() as session:
        session.execute(
            update(Subscriber)
            .where(Subscriber.platform_user_id == mover)
            .values(districts=district_mask(glossary, ["qishan"]))
        )
        language = session.scalar(select(Subscriber.language).where(Subscriber.platform_user_id == mover))
    assert tick(session_factory, composer, glossary).to_disaster == 1
    send_all(session_factory, line)
    assert linked(sandbox)[mover] == menus[("disaster", language)]


def test_a_batch_line_refuses_for_good_is_queued_again_after_a_pause(
    sandbox, line, menus, session_factory, composer, glossary
):
    with session_factory.begin() as session:
        users = add_residents(session, glossary, 3, prefix=4, language="th", districts=["qishan"])
    live_notice(session_factory, composer, districts=["qishan"])
    menu_id = menus[("disaster", "th")]
    definition = sandbox.rich_menus.state.menus.pop(menu_id)  # deleted on LINE's side: every link is refused
    tick(session_factory, composer, glossary)
    switcher = send_all(session_factory, line)
    assert switcher.counters["dead"] == 1
    with session_factory() as session:
        targets = set(
            session.scalars(select(Subscriber.rich_menu_target).where(Subscriber.platform_user_id.in_(users)))
        )
    assert targets == {None}, "the residents are not taken for switched"

    sandbox.rich_menus.state.menus[menu_id] = definition
    assert tick(session_factory, composer, glossary).to_disaster == 3
    with session_factory() as session:
        waiting = session.execute(select(MenuSwitch.next_attempt_at).where(MenuSwitch.status == "pending")).scalar_one()
    assert waiting > datetime.now(UTC) + timedelta(minutes=9), "not asked again on every tick"
    assert MenuSwitcher(session_factory=session_factory, line=line, worker_id="w", retry=FAST_RETRY).run_once() == 0
    with session_factory.begin() as session:
        session.execute(
            update(MenuSwitch).where(MenuSwitch.status == "pending").values(next_attempt_at=datetime.now(UTC))
        )
    send_all(session_factory, line)
    assert all(linked(sandbox).get(user) == menu_id for user in users)
