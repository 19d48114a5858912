"""Two different people, counted by content: whoever wrote, changed (edit, PATCH, Update) or submitted a live
notice cannot approve it, in the console and the API alike; who changed it stays in the notice's history; a
rewrite after a rejection starts approval over."""

from __future__ import annotations

import pytest

from tests.bot.api.conftest import problem
from tests.support.console_pages import Officer, html, text
from tests.support.console_stack import PASSWORDS, ConsoleStack
from tests.support.officers import api_key

SECOND_OFFICER = "a live notice needs a second officer"


@pytest.fixture
def stack(tmp_path, database_url, engine):
    built = ConsoleStack(tmp_path, database_url)
    built.add_residents({f"U{n:032x}": ["lingya"] for n in range(1, 6)})
    yield built
    built.close()


def sign_in(stack, username):
    return Officer(stack.app, username, password=PASSWORDS[username])


RAIN = {"p.level": "torrential_rain", "p.districts": "lingya", "free_text_lang": "zh-Hant"}


def test_an_approver_who_edited_a_notice_in_the_console_cannot_approve_it(stack):
    editor, approver = sign_in(stack, "ed-lin"), sign_in(stack, "ap-chen")
    created = editor.post("/console/compose?kind=heavy_rain", RAIN)
    notice = created.headers["Location"]
    assert approver.post(f"{notice}/edit", {**RAIN, "p.level": "extremely_torrential_rain"}).status_code == 303
    editor.post(f"{notice}/submit")
    page = html(approver.get(notice))
    assert not page.xpath('//button[@data-action="approve"]')
    assert "ap-chen" in text(page, "//dl[@class='facts']")  # among those who changed it
    history = text(page, "//section[@class='history']")
    assert "ap-chen" in history and "edited" in history and "level" in history
    refused = approver.post(f"{notice}/approve")  # a forged request: the same rule
    assert SECOND_OFFICER in text(html(approver.get(refused.headers["Location"])))
    admin = sign_in(stack, "ad-wu")
    admin.post(f"{notice}/approve")
    assert "approved" in text(html(admin.get(notice)), "//dl[@class='facts']").lower()


def test_a_patch_makes_its_sender_a_contributor_and_a_rewrite_after_rejection_starts_over(stack):
    client = stack.app.test_client()
    factory = stack.services.session_factory
    editor, approver, second = ({"Authorization": api_key(factory, name)} for name in ("ed-lin", "ap-chen", "ad-wu"))
    body = {"kind": "heavy_rain", "params": {"level": "torrential_rain", "districts": ["lingya"]}}
    url = client.post("/api/v1/notices", headers=editor, json=body).get_json()["url"]
    patched = client.patch(url, headers=approver, json={"severity": "Extreme"})
    assert patched.status_code == 200 and patched.get_json()["contributors"] == ["ap-chen"]
    assert client.post(f"{url}/submit", headers=editor).status_code == 200
    assert problem(client.post(f"{url}/approve", headers=approver), 403)["rule"] == SECOND_OFFICER
    assert client.get(url, headers=approver).get_json()["actions"]["approve"] is False
    assert client.post(f"{url}/reject", headers=second, json={"reason": "Say until when."}).status_code == 200
    assert (
        client.patch(url, headers=editor, json={"params": {**body["params"], "until": "2099-01-01T20:00"}}).get_json()[
            "status"
        ]
        == "draft"
    )
    problem(client.post(f"{url}/approve", headers=second), 409)  # the rewrite is a draft: submitted again first
    assert client.post(f"{url}/submit", headers=editor).status_code == 200
    approved = client.post(f"{url}/approve", headers=second)
    assert approved.status_code == 200 and approved.get_json()["approver"] == "ad-wu"
