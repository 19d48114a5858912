"""Words native readers flagged in the FAQ (issue 13, item 6), read from the FAQ files as the bot serves them."""

from __future__ import annotations

import pytest

from bot.conversation.faq_files import read_faq_files
from messages.glossary import default_glossary
from messages.i18n import LANGUAGES

ENTRIES = read_faq_files()


def answers_in(language: str) -> dict[str, str]:
    return {e["key"]: e["answer"] for e in ENTRIES if e["language"] == language}


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_mention_of_1922_names_the_epidemic_hotline(code):
    label = default_glossary().name("hotline", "epidemic_1922", code).replace("1922", "").strip().lower()
    answers = answers_in(code)
    assert answers
    for key, answer in answers.items():
        for sentence in answer.splitlines():
            if "1922" in sentence:
                assert label in sentence.lower(), (key, sentence)


@pytest.mark.parametrize(
    ("code", "office"),
    [
        ("en", "offices and schools close"),
        ("id", "kantor dan sekolah libur"),
        ("ms", "pejabat dan sekolah ditutup"),
        ("my", "ရုံးများနှင့် ကျောင်းများ ပိတ်"),
        ("ja", "休業・休校"),
    ],
)
def test_the_typhoon_day_off_answer_is_about_work_not_only_offices(code, office):
    assert office not in answers_in(code)["typhoon_day_off"]
