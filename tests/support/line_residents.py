"""The end-to-end console tests of notices residents answer (check-ins, polls): a console stack whose sandbox LINE
delivers to the web app's webhook, two residents (Qishan in zh-Hant, Meinong in en), their LINE inboxes and taps,
and a notice written on the compose form then submitted, approved by a second officer and sent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from bot.office import desk
from tests.bot.office.conftest import APPROVER, EDITOR
from tests.support.confirmed import CONFIRMED
from tests.support.console_pages import Officer
from tests.support.console_stack import ConsoleStack

QISHAN = "U" + "0c" * 16  # zh-Hant, the first of the stack's language cycle
MEINONG = "U" + "0d" * 16  # en


@contextmanager
def residents_stack(tmp_path: Path, database_url: str) -> Iterator[ConsoleStack]:
    """The stack with QISHAN and MEINONG following, the sandbox's LINE events going to the app's webhook."""
    built = ConsoleStack(tmp_path, database_url)
    try:
        built.add_residents({QISHAN: ["qishan"], MEINONG: ["meinong"]})
        answer = requests.post(
            f"{built.sandbox.url}/sandbox/line/webhook", json={"url": f"{built.url}/webhooks/line"}, timeout=5
        )
        assert answer.status_code == 200, answer.text
        yield built
    finally:
        built.close()


def inbox(stack: ConsoleStack, user: str) -> list[dict[str, Any]]:
    return requests.get(f"{stack.sandbox.url}/sandbox/line/inbox/{user}", timeout=5).json()["messages"]


def wait_for_messages(stack: ConsoleStack, user: str, count: int) -> list[dict[str, Any]]:
    """The user's LINE messages once there are at least ``count`` (AssertionError after 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        messages = inbox(stack, user)
        if len(messages) >= count:
            return [m["message"] for m in messages]
        time.sleep(0.1)
    raise AssertionError(f"{user} has {len(inbox(stack, user))} messages, expected {count}")


def tap(stack: ConsoleStack, user: str, data: str) -> None:
    """The resident taps a postback button (a quick reply) in the sandbox."""
    answer = requests.post(
        f"{stack.sandbox.url}/sandbox/line/simulate",
        timeout=10,
        json={"userId": user, "type": "postback", "data": data},
    )
    assert answer.status_code < 300, answer.text


def compose_and_send(
    stack: ConsoleStack, editor: Officer, form: dict[str, Any], *, acknowledge_untranslated: bool = False
) -> int:
    """The editor saves the compose form, submits the draft, a second officer approves and sends it: its id."""
    saved = editor.post(f"/console/compose?kind={form['kind']}", data=form)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    notice_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    services = stack.services
    with services.session_factory.begin() as session:
        desk.submit_notice(
            session,
            EDITOR,
            notice_id,
            glossary=services.glossary,
            channels=services.channel_limits,
            now=datetime.now(UTC),
        )
    desk.approve_notice(services.dispatch, APPROVER, notice_id, acknowledge_untranslated=acknowledge_untranslated)
    desk.send_notice_now(
        services.dispatch, APPROVER, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )
    return notice_id
