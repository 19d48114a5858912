"""Each of the 12 languages, end to end over LINE: onboarding, a petition, its case number and status message.

The resident's side is the sandbox: events are signed and posted to the webhook as LINE posts them, and the
bot's answers are read back from the sandbox inbox. Every answer must be the catalog's text in the language
the resident chose (and, for every language but English, not the English text).
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.conversation.texts import BotTexts
from messages.i18n import LANGUAGES
from tests.conftest import every_language_on_sqlite
from tests.support.officers import as_officer, officers
from tests.support.sandbox import users

DESCRIPTIONS = {  # "The drain in front of my house is blocked and the street floods when it rains."
    "zh-Hant": "我家門口的水溝堵住了，一下雨路面就淹水。",
    "zh-Hans": "我家门口的排水沟堵住了，一下雨路面就积水。",
    "en": "The drain in front of my house is blocked and the street floods when it rains.",
    "ja": "家の前の側溝が詰まっていて、雨が降ると道路が冠水します。",
    "ko": "집 앞 배수구가 막혀서 비가 오면 길이 물에 잠깁니다.",
    "vi": "Cống trước nhà tôi bị tắc, trời mưa là đường ngập nước.",
    "id": "Selokan di depan rumah saya tersumbat dan jalan banjir kalau hujan.",
    "th": "ท่อระบายน้ำหน้าบ้านอุดตัน ฝนตกทีไรถนนน้ำท่วมทุกครั้ง",
    "fil": "Barado ang kanal sa harap ng bahay namin at bumabaha sa kalye kapag umuulan.",
    "ms": "Longkang di hadapan rumah saya tersumbat dan jalan banjir apabila hujan.",
    "km": "លូនៅមុខផ្ទះខ្ញុំស្ទះ ហើយផ្លូវលិចទឹកពេលភ្លៀង។",
    "my": "အိမ်ရှေ့က ရေမြောင်းပိတ်နေပြီး မိုးရွာတိုင်း လမ်းပေါ်မှာ ရေလျှံပါတယ်။",
}


def tap(stack, user, messages, label):
    """Tap the quick-reply button with this label on the last message, as a resident would."""
    items = messages[-1]["quickReply"]["items"]
    actions = [item["action"] for item in items if item["action"]["label"] == label]
    assert actions, f"no button {label!r} among {[item['action']['label'] for item in items]}"
    return stack.converse(user, type="postback", data=actions[0]["data"])


@pytest.mark.parametrize(("database_url", "code"), every_language_on_sqlite(LANGUAGES), indirect=["database_url"])
def test_onboarding_and_a_petition_in(code, stack, tmp_path):
    t = BotTexts(stack.services.catalogs)
    glossary = stack.services.glossary

    def said(key, **values):
        text = t(code, key, **values)
        if code != "en":
            assert text != t("en", key, **values), f"{key} is not translated into {code}"
        return text

    user = users(1)[0]
    # follow: the sandbox resident has no profile language, so the greeting is in zh-Hant and English
    messages = stack.converse(user, type="follow")
    assert t("en", "greeting") in messages[0]["text"]
    messages = tap(stack, user, messages, LANGUAGES[code].native_name)  # the language, in its own script
    assert messages[0]["text"] == said("language_set", language=LANGUAGES[code].native_name)
    assert messages[1]["text"].startswith(said("choose_topics"))
    messages = tap(stack, user, messages, "✓ " + t(code, "label.topic.transport"))  # turn transport off
    assert messages[-1]["text"].startswith(said("choose_topics"))
    messages = tap(stack, user, messages, t(code, "label.done"))
    assert messages[-1]["text"] == said("choose_districts")
    district = glossary.name("district", "sanmin", code)
    messages = stack.converse(user, type="message", text=district)  # typed in the resident's language
    assert messages[0]["text"] == said("districts_set", districts=district)

    # a petition, from the menu to its case number
    messages = stack.converse(user, type="message", text=t.keyword_of(code, "menu"))
    assert messages[-1]["text"] == said("menu_title")
    messages = tap(stack, user, messages, t(code, "label.petition"))
    assert messages[-1]["text"] == said("petition_category")
    messages = tap(stack, user, messages, t(code, "label.category.drainage"))
    assert messages[-1]["text"] == said("petition_district")
    messages = stack.converse(user, type="message", text=district)
    assert messages[-1]["text"] == said("petition_description")
    messages = stack.converse(user, type="message", text=DESCRIPTIONS[code])
    assert messages[-1]["text"] == said("petition_location")
    messages = tap(stack, user, messages, t(code, "label.skip"))
    assert messages[-1]["text"] == said("petition_photo")
    messages = tap(stack, user, messages, t(code, "label.skip"))
    assert messages[-1]["text"].startswith(said("petition_confirm"))
    assert DESCRIPTIONS[code] in messages[-1]["text"]
    messages = tap(stack, user, messages, t(code, "label.send"))
    number = re.search(r"KH-\d{4}-\d{6}", messages[0]["text"]).group()
    assert messages[0]["text"] == said("petition_received", number=number)

    # an officer changes the status: the resident is told in their language
    before = len(stack.inbox(user))
    officers(stack.services.session_factory, **{"officer-lin": "editor"})
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(tmp_path / "config.yaml"),
            "case",
            "update",
            number,
            "--status",
            "in_progress",
            *as_officer(tmp_path, "officer-lin"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "told on LINE" in result.output
    update = stack.wait_for_messages(user, before + 1)[before]
    assert update["via"] == "push"
    assert update["message"]["text"] == said("case_update", number=number, status=t(code, "status.in_progress"))
