"""The office's rarer refusals reach a Traditional Chinese console in Chinese: a compose form whose number, date,
district or village cannot be read, a new officer whose display name is refused, a send the scheduler finds not
due; and the account, password and fan-out refusals as the console says them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import session as browser_session

from bot.console.refusals import refused
from bot.office.accounts import AccountError, create_officer, hash_password, parse_role, set_password
from bot.office.api_keys import create_api_key
from messages.models import MsgType, Notice, NoticeStatus
from scheduler.fanout import NotDue, begin_fan_out, resume_fan_out
from scheduler.outbox import Delivery, DeliveryRecipients, DeliveryStatus
from tests.bot.console.test_refusals_in_language import assert_chinese, flashed
from tests.bot.office.conftest import add_residents
from tests.support.console_pages import Officer, html, text
from tests.support.factories import saved_notice


def field_errors(response) -> dict[str, str]:
    """Each refused field's error on the form page, by the field's id."""
    assert response.status_code == 422, response.status_code
    page = html(response)
    errors = page.xpath("//*[@class='field-error']")
    return {
        node.get("id").removesuffix("-error").removeprefix("f-").removeprefix("p."): text(node, ".") for node in errors
    }


def test_a_compose_form_that_cannot_be_read_names_each_field_in_chinese(app, services):
    editor = Officer(app, "ed-lin", "zh-Hant")
    shown = field_errors(
        editor.post(
            "/console/compose?kind=dengue_outbreak",
            {
                "kind": "dengue_outbreak",
                "p.district": "atlantis",
                "p.villages": "無名里",
                "p.cases": "many",
                "p.spray_dates": "someday",
            },
        )
    )
    assert "不是高雄市的行政區" in shown["district"]
    assert "不是高雄市的里" in shown["villages"]
    assert "不是整數" in shown["cases"] or "不是數字" in shown["cases"]
    assert "不是日期" in shown["spray_dates"]
    for said in shown.values():
        assert_chinese(said)
    with services.session_factory() as session:
        assert session.query(Notice).count() == 0


def test_numbers_out_of_range_and_an_end_before_its_start_are_said_in_chinese(app, services):
    editor = Officer(app, "ed-lin", "zh-Hant")
    quality = field_errors(
        editor.post(
            "/console/compose?kind=air_quality",
            {"kind": "air_quality", "p.aqi": "9000", "p.level": "unhealthy", "p.districts": ["lingya"]},
        )
    )
    assert "不得大於 500" in quality["aqi"]
    outage = field_errors(
        editor.post(
            "/console/compose?kind=water_outage",
            {
                "kind": "water_outage",
                "p.districts": ["lingya"],
                "p.start": "2026-11-13T09:00",
                "p.end": "2026-11-13T06:00",
            },
        )
    )
    assert "不得早於 2026-11-13 09:00" in outage["end"]
    for said in (*quality.values(), *outage.values()):
        assert_chinese(said)


def test_a_refused_display_name_is_named_in_chinese(app, services):
    admin = Officer(app, "ad-wu", "zh-Hant")
    form = {"username": "new-one", "display_name": "王\x07小明", "role": "editor"}
    refused_page = admin.post("/console/officers/new", form)
    assert refused_page.status_code == 422
    shown = text(html(refused_page))
    assert "欄位「顯示名稱」含有控制字元" in shown
    assert "display_name" not in shown
    assert_chinese(shown)


def test_a_send_the_scheduler_refuses_is_said_in_chinese(app, services):
    """A training Update of a live notice: the desk lets it through, the scheduler's fan-out refuses it."""
    residents = [f"U{n:032x}" for n in range(1, 4)]
    add_residents(services, dict.fromkeys(residents, ["lingya"]), test_recipient=True)
    with services.session_factory.begin() as session:
        original = saved_notice(session, services.composer, "heavy_rain", level="torrential_rain", districts=["lingya"])
        update = saved_notice(
            session,
            services.composer,
            "heavy_rain",
            status=NoticeStatus.APPROVED,
            training=True,
            msg_type=MsgType.UPDATE,
            level="torrential_rain",
            districts=["lingya"],
        )
        update.references_id, update.author = original.id, "ed-lin"
        delivery = Delivery(notice_id=original.id, channel="line", language="en", status=DeliveryStatus.SENT)
        delivery.recipient_count, delivery.recipient_list = 3, DeliveryRecipients(recipients=residents)
        session.add(delivery)
        update_id = update.id
    admin = Officer(app, "ad-wu", "zh-Hant")
    shown = flashed(admin, admin.post(f"/console/notices/{update_id}/send", {"confirm": "1"}))
    assert "無法接續" in shown and "正式訊息的更新或取消" in shown
    assert_chinese(shown)


def _said_in_chinese(app, exc: BaseException) -> str:
    with app.test_request_context("/console/notices"):
        browser_session["ui_lang"] = "zh-Hant"
        return refused(exc)


def _raised(call) -> BaseException:
    with pytest.raises((AccountError, NotDue)) as caught:
        call()
    assert caught.value.code is not None, str(caught.value)
    return caught.value


def test_the_account_and_fan_out_refusals_are_said_in_chinese(app, services):
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        draft = saved_notice(session, services.composer, status=NoticeStatus.DRAFT)
        refusals = {
            "不是角色": _raised(lambda: parse_role("chief")),
            "密碼至少需要 12 個字元": _raised(lambda: hash_password("short")),
            "密碼含有控制字元": _raised(lambda: hash_password("long-enough-\x07-password")),
            "沒有名為 nobody 的同仁": _raised(lambda: set_password(session, "nobody", "x" * 20, now=now)),
            "已有名為 ed-lin 的同仁": _raised(lambda: create_officer(session, "ed-lin", "editor")),
            "不是有效的帳號名稱": _raised(lambda: create_officer(session, "Not A Name!", "editor")),
            "不是金鑰模式": _raised(lambda: create_api_key(session, "ad-wu", name="feed", mode="prod")),
        }
        fan_out = {"glossary": services.glossary, "channels": {}, "languages": ["zh-Hant"], "clock": lambda: now}
        refusals["須先核准才能發送"] = _raised(lambda: begin_fan_out(session, draft, **fan_out))
        refusals["沒有可續行的發送"] = _raised(lambda: resume_fan_out(session, draft, **fan_out))
    for expected, exc in refusals.items():
        shown = _said_in_chinese(app, exc)
        assert expected in shown, (expected, shown)
        assert_chinese(shown)
