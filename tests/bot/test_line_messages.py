"""Messages and money: a notice's multicast and the bot's pushes are paid, the bot's replies free; the delivery
report (API, console, command line) shows them apart, and its paid total is what LINE reports as consumed.
Through the sandbox, a real worker and the bot's own reply-or-push path."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot.app import create_app
from bot.conversation.replies import Reply
from bot.office.accounts import create_officer
from bot.office.api_keys import create_api_key
from bot.webhooks.worker import build_bots
from tests.bot.api.conftest import auth
from tests.support.console_pages import PASSWORDS, Officer, html, text
from tests.support.paused_line import PausedLine


@pytest.fixture
def line(tmp_path, database_url):
    built = PausedLine(tmp_path, database_url)
    with built.services.session_factory.begin() as session:
        create_officer(session, "ap-chen", "approver", display_name="ap-chen", password=PASSWORDS["ap-chen"])
        built.key = create_api_key(session, "ap-chen", name="report test", mode="live")[1]
    built.app = create_app(built.services.settings, built.services, resume_webhook_events=False)
    yield built
    built.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
    built.close()


def answer_residents(line, residents: list[str], *, replies: int, pushes: int) -> None:
    """The bot answers: ``replies`` with reply tokens LINE issued, ``pushes`` whose tokens LINE no longer honours."""
    executor = ThreadPoolExecutor(max_workers=1)
    bot = build_bots(line.services, executor, handle_here=True)[0]
    try:
        for i in range(replies + pushes):
            token = uuid.uuid4().hex
            if i < replies:  # as a webhook event issues it, a minute to use it
                line.sandbox.line.state.reply_tokens[token] = (residents[i % len(residents)], time.time())
            bot.send(
                residents[i % len(residents)],
                token,
                [Reply("颱風假的消息會在晚上八點前公布。")],
                retry_key=str(uuid.uuid4()),
            )
    finally:
        executor.shutdown(wait=True)


def consumed(line) -> int:
    port = line.services.settings.channels.sandbox.port
    token = line.services.settings.channels.line.channel_access_token
    return requests.get(
        f"http://127.0.0.1:{port}/v2/bot/message/quota/consumption",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()["totalUsage"]


def test_the_report_separates_free_replies_from_paid_messages_as_line_counts_them(line):
    line.set_quota(10_000)
    notice_id = line.queue_notice(120)
    line.run_worker(until_paused=False)
    residents = [f"U{0:08x}{i:024x}" for i in range(120)]  # the residents queue_notice added
    answer_residents(line, residents, replies=7, pushes=3)

    report = line.app.test_client().get(f"/api/v1/notices/{notice_id}/report", headers=auth(line.key)).get_json()
    messages = report["line_messages"]
    assert messages["notice"] == {"paid": 120}
    assert messages["paid"] == {"multicast": 120, "push": 3, "total": 123}
    assert messages["free"] == {"reply": 7, "total": 7}
    assert messages["paid"]["total"] == consumed(line)  # what LINE says the month used: the replies cost nothing

    officer = Officer(line.app, "ap-chen")
    page = html(officer.get(f"/console/notices/{notice_id}/delivery"))
    table = page.xpath("//section[@id='line-messages']//tr[@data-kind]")
    rows = {row.get("data-kind"): text(row, "./td") for row in table}
    assert rows == {"multicast": "120", "push": "3", "paid": "123", "reply": "7", "free": "7"}
    assert "This notice: 120 paid messages" in text(page, "//section[@id='line-messages']")
    officer.language("zh-Hant")
    shown = text(html(officer.get(f"/console/notices/{notice_id}/delivery")), "//section[@id='line-messages']")
    assert "此訊息：120 則計費訊息" in shown and "免費：不計入額度" in shown
