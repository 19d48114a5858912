"""Polls end to end, everything really running on 127.0.0.1 (web app, sandbox LINE, a worker): an officer writes a
poll on the compose form, a second officer approves it, it reaches LINE with its options as quick replies in each
resident's language, residents vote by tapping them in the sandbox, once each, a vote after the close is refused
politely; the console's results page counts the votes, and the open data shows a poll only once it is closed,
with nobody's id."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import requests
from sqlalchemy import update

from bot.conversation.texts import BotTexts
from messages.dates import format_datetime_for
from messages.i18n import TAIPEI, get_language
from messages.models import Notice
from messages.polls import Poll
from tests.support.console_pages import Officer, html, text
from tests.support.line_residents import MEINONG, QISHAN, compose_and_send, residents_stack, tap, wait_for_messages

QUESTION = "下週起美濃區公車是否需要增加班次？"


@pytest.fixture
def stack(tmp_path, database_url, engine):
    with residents_stack(tmp_path, database_url) as built:
        yield built


def test_a_poll_goes_out_with_its_options_and_counts_one_vote_per_resident(stack):
    editor = Officer(stack.app, "ed-lin")
    closes = (datetime.now(UTC) + timedelta(days=1)).astimezone(TAIPEI).strftime("%Y-%m-%dT%H:%M")
    form = {
        "kind": "poll",
        "p.districts": ["qishan", "meinong"],
        "free_text": QUESTION,
        "free_text_lang": "zh-Hant",
        "option.1.phrase": "yes",
        "option.2.phrase": "no",
        "option.3.text": "只要假日增加",
        "closes_at": closes,
    }
    page = editor.get("/console/compose?kind=poll")
    assert html(page).xpath("//input[@name='option.6.text']") and html(page).xpath("//input[@name='closes_at']")
    refused = editor.post("/console/compose?kind=poll", data={**form, "option.2.phrase": "", "option.3.text": ""})
    assert refused.status_code == 422
    assert html(refused).xpath("//a[@href='#f-options']")  # one option is not a poll: the form says so
    # Saved, submitted, approved by a second officer (the English version untranslated) and sent.
    notice_id = compose_and_send(stack, editor, form, acknowledge_untranslated=True)
    services = stack.services
    with services.session_factory() as session:
        assert session.get(Notice, notice_id).districts == ["qishan", "meinong"]

    chinese = wait_for_messages(stack, QISHAN, 1)[-1]
    items = chinese["quickReply"]["items"]
    assert [item["action"]["label"] for item in items] == ["是", "否", "只要假日增加"]
    assert [parse_qs(item["action"]["data"]) for item in items] == [
        {"action": ["vote"], "n": [str(notice_id)], "o": [str(n)]} for n in (1, 2, 3)
    ]
    english = wait_for_messages(stack, MEINONG, 1)[-1]
    assert [item["action"]["label"] for item in english["quickReply"]["items"]][:2] == ["Yes", "No"]

    texts = BotTexts(services.catalogs)
    tap(stack, QISHAN, items[0]["action"]["data"])
    assert wait_for_messages(stack, QISHAN, 2)[-1]["text"] == texts("zh-Hant", "poll_thanks")
    tap(stack, QISHAN, items[1]["action"]["data"])  # a second tap: the first answer stands
    assert wait_for_messages(stack, QISHAN, 3)[-1]["text"] == texts("zh-Hant", "poll_already_voted")
    tap(stack, MEINONG, f"action=vote&n={notice_id}&o=3")
    assert wait_for_messages(stack, MEINONG, 2)[-1]["text"] == texts("en", "poll_thanks")

    notice_page = html(editor.get(f"/console/notices/{notice_id}"))
    assert notice_page.xpath(f"//a[@href='/console/notices/{notice_id}/poll']")
    tree = html(editor.get(f"/console/notices/{notice_id}/poll"))
    assert not tree.xpath("//meta[@http-equiv='refresh']")  # the figures refresh from a fragment, with a pause
    [live] = tree.xpath("//div[@id='poll-live']")
    assert text(html(editor.get(live.get("data-live-refresh"))), "//dd[@data-count='votes']") == "2"
    assert text(tree, "//dd[@data-count='votes']") == "2" and text(tree, "//dd[@data-count='recipients']") == "2"
    assert text(tree, "//dd[@data-count='turnout']") == "100.0%"
    assert [c.text_content().strip() for c in tree.xpath("//tr[@data-option]/td")] == ["1", "0", "1"]
    assert [c.text_content().strip() for c in tree.xpath("//tr[@data-district='qishan']/td")] == ["1", "0", "0"]
    assert [c.text_content().strip() for c in tree.xpath("//tr[@data-district='meinong']/td")] == ["0", "0", "1"]

    assert requests.get(f"{stack.url}/opendata/polls.json", timeout=10).json()["rows"] == []  # still open

    closed_at = datetime.now(UTC) - timedelta(minutes=1)
    with services.session_factory.begin() as session:
        session.execute(update(Poll).where(Poll.notice_id == notice_id).values(closes_at=closed_at))
    late = "U" + "0e" * 16
    stack.add_residents({late: ["meinong"]})
    tap(stack, late, f"action=vote&n={notice_id}&o=2")
    refusal = wait_for_messages(stack, late, 1)[-1]["text"]  # the first of a new cycle: zh-Hant
    assert refusal == texts("zh-Hant", "poll_closed", time=format_datetime_for(closed_at, get_language("zh-Hant")))
    assert text(html(editor.get(f"/console/notices/{notice_id}/poll")), "//dd[@data-count='votes']") == "2"

    opened = requests.get(f"{stack.url}/opendata/polls.json", timeout=10)
    rows = opened.json()["rows"]
    assert {(r["notice_id"], r["option"], r["answer"], r["district"], r["votes"]) for r in rows} == {
        (notice_id, 1, "yes", "qishan", 1),
        (notice_id, 2, "no", "", 0),
        (notice_id, 3, "只要假日增加", "meinong", 1),
    }
    assert rows[0]["question"] == QUESTION
    spreadsheet = requests.get(f"{stack.url}/opendata/polls.csv", timeout=10).content
    assert spreadsheet.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(spreadsheet.decode("utf-8-sig"))))
    assert {(r["option"], r["votes"]) for r in table} == {("1", "1"), ("2", "0"), ("3", "1")}
    for published in (opened.text, spreadsheet.decode("utf-8-sig")):
        assert QISHAN not in published and MEINONG not in published
