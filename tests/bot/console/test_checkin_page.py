"""Are you safe? end to end, everything really running on 127.0.0.1 (web app, sandbox LINE, a worker): an officer
ticks the check-in box, the notice reaches LINE with "I'm safe" / "I need help" under it, a resident taps "I need
help" in the sandbox, a case is opened and they are told its number, and the console's check-in page shows the
case and the count; the open data has the count and nobody's id."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs

import pytest
import requests
from sqlalchemy import select

from bot.conversation.models import Case
from bot.conversation.texts import BotTexts
from messages.models import Notice
from tests.support.console_pages import Officer, html, text
from tests.support.line_residents import MEINONG, QISHAN, compose_and_send, residents_stack, tap, wait_for_messages


@pytest.fixture
def stack(tmp_path, database_url, engine):
    with residents_stack(tmp_path, database_url) as built:
        yield built


def test_i_need_help_on_line_opens_a_case_that_the_check_in_page_shows(stack):
    editor = Officer(stack.app, "ed-lin")
    form = {
        "kind": "heavy_rain",
        "p.level": "torrential_rain",
        "p.districts": ["qishan", "meinong"],
        "ask_checkin": "1",
    }
    notice_id = compose_and_send(stack, editor, form)
    services = stack.services
    with services.session_factory() as session:
        assert session.get(Notice, notice_id).ask_checkin is True

    alert = wait_for_messages(stack, QISHAN, 1)[-1]
    items = alert["quickReply"]["items"]
    assert [item["action"]["label"] for item in items] == ["我平安", "我需要協助"]
    assert [parse_qs(item["action"]["data"]) for item in items] == [
        {"action": ["checkin"], "a": [answer], "n": [str(notice_id)]} for answer in ("safe", "help")
    ]
    english = wait_for_messages(stack, MEINONG, 1)[-1]
    assert [item["action"]["label"] for item in english["quickReply"]["items"]] == ["I'm safe", "I need help"]

    tap(stack, QISHAN, items[1]["action"]["data"])
    tap(stack, MEINONG, f"action=checkin&a=safe&n={notice_id}")
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
    # No page reload behind the officer's back (WCAG 2.2.1): the figures refresh themselves from a fragment the
    # script fetches, with a pause button; without the script, a Refresh link.
    assert not tree.xpath("//meta[@http-equiv='refresh']")
    [live] = tree.xpath("//div[@id='checkins-live']")
    fragment = html(editor.get(live.get("data-live-refresh")))
    assert not fragment.xpath("//header") and text(fragment, "//dd[@data-count='help']") == "1"
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
