"""The FAQ: its files in every language, and questions asked in words the FAQ does not store.

``tests/bot/data/faq_paraphrases/<language>.yaml`` holds new ways of asking, written apart from
the stored questions (a full sentence and a keyword-like query per entry) and questions the FAQ
does not cover (``_unrelated``). The floors below are what the matcher must keep reaching in every
language; the measured figures are in the README.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.conversation.engine import ConversationEngine
from bot.conversation.faq import CHECK_EVERY_S, SUGGEST, THRESHOLD, FaqIndex, build_language_index
from bot.conversation.faq_files import FaqFileError, read_faq_files, seed_faq
from bot.conversation.models import FaqEntry
from bot.conversation.replies import EventKind, Incoming
from bot.conversation.texts import BotTexts
from messages.i18n import LANGUAGES, get_language

PARAPHRASES = Path(__file__).parent.parent / "data" / "faq_paraphrases"
ENTRIES = read_faq_files()


def entries_in(language: str) -> dict[str, dict]:
    return {e["key"]: e for e in ENTRIES if e["language"] == language}


def test_the_faq_has_at_least_30_entries_in_all_12_languages():
    english = entries_in("en")
    assert len(english) >= 30
    for language in LANGUAGES:
        assert set(entries_in(language)) == set(english), f"{language} lacks {set(english) - set(entries_in(language))}"


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_translated_answers_keep_every_phone_number(language):
    english = entries_in("en")
    for key, entry in entries_in(language).items():
        want = set(re.findall(r"\d{3,}", english[key]["answer"]))
        assert set(re.findall(r"\d{3,}", entry["answer"])) == want, f"{language} {key}"
        assert 4 <= len(entry["questions"]) <= 6


def paraphrase_files():
    return sorted(PARAPHRASES.glob("*.yaml"))


def test_paraphrases_cover_several_languages_and_scripts():
    languages = {get_language(path.stem).code for path in paraphrase_files()}
    assert {"en", "zh-Hant", "vi", "id", "th", "my"} <= languages


@pytest.mark.parametrize("path", paraphrase_files(), ids=lambda p: p.stem)
def test_questions_asked_differently_find_their_answer(path):
    language = get_language(path.stem).code
    stored = entries_in(language)
    index = build_language_index(list(stored.values()), language)
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    unrelated = cases.pop("_unrelated")
    asked = [(key, question) for key, questions in cases.items() for question in questions]
    assert len(asked) >= 30 and len(unrelated) >= 6
    for key, question in asked:
        assert key in stored and question not in stored[key]["questions"], f"{question!r} is stored, not new"
    matches = [(key, index.best(question)) for key, question in asked]
    answered = sum(m.key == key and m.score >= THRESHOLD for key, m in matches)
    offered = sum(m.key == key and m.score >= SUGGEST for key, m in matches)
    wrong = [(key, m.key, round(m.score, 2)) for key, m in matches if m.key != key and m.score >= THRESHOLD]
    answered_unrelated = [q for q in unrelated if index.best(q).score >= THRESHOLD]
    total = len(asked)
    assert answered / total >= 0.7, f"{language}: {answered}/{total} answered"
    assert offered / total >= 0.8, f"{language}: {offered}/{total} answered or offered"
    assert len(wrong) / total <= 0.15, f"{language}: wrong answers {wrong}"
    assert len(answered_unrelated) <= len(unrelated) // 3, f"{language}: answered {answered_unrelated}"


# ----------------------------------------------------------------------------- through the engine


@pytest.fixture
def engine(session_factory, catalogs, glossary, composer):
    with session_factory.begin() as session:
        seed_faq(session, ENTRIES)
    return ConversationEngine(
        session_factory=session_factory,
        texts=BotTexts(catalogs),
        glossary=glossary,
        composer=composer,
        faq=FaqIndex(session_factory),
    )


def ask(engine, language, question, user="U" + "cd" * 16):
    engine.handle(Incoming("line", user, EventKind.FOLLOW, profile_language=language))
    return engine.handle(Incoming("line", user, EventKind.TEXT, text=question))


def test_an_indonesian_resident_asks_about_dengue_spraying(engine):
    replies = ask(engine, "id", "Di mana saya bisa dapat fogging nyamuk demam berdarah?")
    assert replies[0].text == entries_in("id")["insecticide_spraying"]["answer"]


@pytest.mark.parametrize(
    ("language", "question", "key"),
    [
        ("zh-Hant", "颱風天明天要上班嗎", "typhoon_day_off"),
        ("vi", "so dien thoai khan cap", "emergency_numbers"),  # typed without accents
        ("th", "ของหายบนรถไฟฟ้า MRT ต้องติดต่อที่ไหน", "mrt_lost_and_found"),
        ("en", "can I put the city logo on my shop's flyer", "city_photos_and_logo"),
    ],
)
def test_questions_in_several_languages_get_their_answer(engine, language, question, key):
    # The general answer is the last reply: a question about now (a day off) first hears what is in effect.
    assert ask(engine, language, question)[-1].text == entries_in(language)[key]["answer"]


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "Who won the football match last night?"),
        ("zh-Hant", "昨晚足球比賽誰贏了？"),
        ("id", "Bagaimana cara memasak nasi goreng?"),
        ("th", "เมื่อคืนทีมไหนชนะฟุตบอล"),
    ],
)
def test_an_unrelated_question_gets_an_honest_i_dont_know(engine, language, question):
    reply = ask(engine, language, question)[0]
    assert reply.text.startswith(engine.texts(language, "faq_unknown"))
    assert "1999" in reply.text
    assert engine.texts(language, "label.petition") in [c.label for c in reply.choices]


def test_a_near_miss_is_offered_and_answered_when_tapped(engine):
    index = build_language_index(list(entries_in("ja").values()), "ja")
    question = "案件の状況"  # close to petition_progress, not close enough to answer outright
    match = index.best(question)
    assert SUGGEST <= match.score < THRESHOLD and match.key == "petition_progress"
    reply = ask(engine, "ja", question)[0]
    entry = entries_in("ja")["petition_progress"]
    assert reply.text == (
        engine.texts("ja", "faq_unknown") + "\n\n" + engine.texts("ja", "faq_suggest", question=entry["questions"][0])
    )
    show = reply.choices[0]
    assert show.label == engine.texts("ja", "label.show_answer")
    tapped = engine.handle(Incoming("line", "U" + "cd" * 16, EventKind.POSTBACK, data=show.data))
    assert tapped[0].text == entry["answer"]


def test_broken_faq_files_are_named_in_the_error(tmp_path):
    (tmp_path / "en.yaml").write_text(
        '- id: hotline\n  category: general\n  questions: ["What is 1999?"]\n  answer: The city hotline.\n',
        encoding="utf-8",
    )
    (tmp_path / "vi.yaml").write_text("hotline:\n  questions: []\n  answer: x\n", encoding="utf-8")
    with pytest.raises(FaqFileError, match=r"vi.yaml: 'hotline' needs 'questions'"):
        read_faq_files(tmp_path)
    (tmp_path / "vi.yaml").write_text("no_such_entry:\n  questions: [a]\n  answer: b\n", encoding="utf-8")
    with pytest.raises(FaqFileError, match="'no_such_entry' is not an FAQ of en.yaml"):
        read_faq_files(tmp_path)
    (tmp_path / "xx.yaml").write_text("{}", encoding="utf-8")
    (tmp_path / "vi.yaml").unlink()
    with pytest.raises(FaqFileError, match="'xx' is not a civicast language"):
        read_faq_files(tmp_path)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_edit_made_in_another_process_is_answered_after_the_next_check(engine):
    session_factory = engine.session_factory  # the FAQ is seeded
    ticks = Ticks()
    webhook_worker = FaqIndex(session_factory, monotonic=ticks)
    question = "Where do I queue for the typhoon sandbags handed out tonight?"
    assert webhook_worker.nearest(question, "en") is None or webhook_worker.nearest(question, "en").key != "sandbags"
    with session_factory.begin() as session:  # the console, in the web process, adds an entry
        session.add(
            FaqEntry(
                key="sandbags",
                category="disaster",
                language="en",
                questions=[question],
                answer="At your district office from 18:00.",
            )
        )
    assert webhook_worker.nearest(question, "en") is None or webhook_worker.nearest(question, "en").key != "sandbags"
    ticks.now += CHECK_EVERY_S
    assert webhook_worker.nearest(question, "en").answer == "At your district office from 18:00."
    assert webhook_worker.reload() == []  # nothing changed since: nothing is rebuilt
    with session_factory.begin() as session:
        session.query(FaqEntry).filter_by(key="sandbags").delete()
    assert webhook_worker.reload() == ["en"]
    assert webhook_worker.entry("sandbags", "en") is None and webhook_worker.entry("sandbags", "vi") is None
