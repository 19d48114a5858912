"""Are you safe? end to end, everything really running on 127.0.0.1 (web app, sandbox LINE, a worker): an officer
ticks the check-in box, the notice reaches LINE with "I'm safe" / "I need help" under it, a resident taps "I need
help" in the sandbox, a case is opened and they are told its number, and the console's check-in page shows the
case and the count; the open data has the count and nobody's id."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
import requests
from sqlalchemy import select

from bot.conversation.models import Case
from bot.conversation.texts import BotTexts
from bot.office import desk
from messages.models import Notice
from tests.bot.office.conftest import APPROVER, EDITOR
from tests.support.console_pages import Officer, html, text
from tests.support.console_stack import ConsoleStack

QISHAN = "U" + "0c" * 16  # zh-Hant, the first of the stack's language cycle
MEINONG = "U" + "0d" * 16  # en


@pytest.fixture
def stack(tmp_path, database_url, engine):
    built = ConsoleStack(tmp_path, database_url)
    built.add_residents({QISHAN: ["qishan"], MEINONG: ["meinong"]})
    answer = requests.post(
        f"{built.sandbox.url}/sandbox/line/webhook", json={"url": f"{built.url}/webhooks/line"}, timeout=5
    )
    assert answer.status_code == 200, answer.text
    yield built
    built.close()


def inbox(stack, user):
    return requests.get(f"{stack.sandbox.url}/sandbox/line/inbox/{user}", timeout=5).json()["messages"]


def wait_for_messages(stack, user, count):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        messages = inbox(stack, user)
        if len(messages) >= count:
            return [m["message"] for m in messages]
        time.sleep(0.1)
    raise AssertionError(f"{user} has {len(inbox(stack, user))} messages, expected {count}")


def test_i_need_help_on_line_opens_a_case_that_the_check_in_page_shows(stack):
    editor = Officer(stack.app, "ed-lin")
    form = {
        "kind": "heavy_rain",
        "p.level": "torrential_rain",
        "p.districts": ["qishan", "meinong"],
        "ask_checkin": "1",
    }
    saved = editor.post("/console/compose?kind=heavy_rain", data=form)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    notice_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    services = stack.services
    with services.session_factory.begin() as session:
        assert session.get(Notice, notice_id).ask_checkin is True
        desk.submit_notice(
            session,
            EDITOR,
            notice_id,
            glossary=services.glossary,
            channels=services.channel_limits,
            now=datetime.now(UTC),
        )
    desk.approve_notice(services.dispatch, APPROVER, notice_id)
    desk.send_notice_now(services.dispatch, APPROVER, notice_id, channels=services.channel_limits)

    alert = wait_for_messages(stack, QISHAN, 1)[-1]
    items = alert["quickReply"]["items"]
    assert [item["action"]["label"] for item in items] == ["我平安", "我需要協助"]
    assert [parse_qs(item["action"]["data"]) for item in items] == [
        {"action": ["checkin"], "a": [answer], "n": [str(notice_id)]} for answer in ("safe", "help")
    ]
    english = wait_for_messages(stack, MEINONG, 1)[-1]
    assert [item["action"]["label"] for item in english["quickReply"]["items"]] == ["I'm safe", "I need help"]

    requests.post(
        f"{stack.sandbox.url}/sandbox/line/simulate",
        timeout=10,
        json={"userId": QISHAN, "type": "postback", "data": items[1]["action"]["data"]},
    )
    requests.post(
        f"{stack.sandbox.url}/sandbox/line/simulate",
        timeout=10,
        json={"userId": MEINONG, "type": "postback", "data": f"action=checkin&a=safe&n={notice_id}"},
    )
    answer = wait_for_messages(stack, QISHAN, 2)[-1]
    wait_for_messages(stack, MEINONG, 2)
    with services.session_factory() as session:
        case = session.scalars(select(Case)).one()
        number = case.number
        assert (case.category, case.district, case.user_id) == ("disaster", "qishan", QISHAN)
    assert answer["text"] == BotTexts(services.catalogs)("zh-Hant", "checkin_help_received", number=number)
    assert [item["action"]["type"] for item in answer["quickReply"]["items"]] == ["location", "postback"]

    notice_page = html(editor.get(f"/console/notices/{notice_id}"))
    assert notice_page.xpath(f"//a[@href='/console/notices/{notice_id}/checkins']")
    page = editor.get(f"/console/notices/{notice_id}/checkins")
    assert page.status_code == 200
    tree = html(page)
    assert tree.xpath("//meta[@http-equiv='refresh']")
    assert tree.xpath(f"//a[@href='/console/cases/{number}']/text()") == [number]

    def cells(district):  # safe, need help, followers now, no answer
        return [cell.text_content().strip() for cell in tree.xpath(f"//tr[@data-district='{district}']/td")]

    assert cells("qishan") == ["0", "1", "1", "0"] and cells("meinong") == ["1", "0", "1", "0"]
    assert text(tree, "//dd[@data-count='help']") == "1" and text(tree, "//dd[@data-count='safe']") == "1"

    opened = requests.get(f"{stack.url}/opendata/checkins.json", timeout=10)
    rows = opened.json()["rows"]
    assert {(r["notice_id"], r["district"], r["safe"], r["help"]) for r in rows} == {
        (notice_id, "qishan", 0, 1),
        (notice_id, "meinong", 1, 0),
    }
    spreadsheet = requests.get(f"{stack.url}/opendata/checkins.csv", timeout=10).content
    assert spreadsheet.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(spreadsheet.decode("utf-8-sig"))))
    assert {(r["district"], r["help"]) for r in table} == {("qishan", "1"), ("meinong", "0")}
    for published in (opened.text, spreadsheet.decode("utf-8-sig")):
        assert QISHAN not in published and MEINONG not in published and number not in published
