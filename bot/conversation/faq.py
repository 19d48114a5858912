"""Questions residents ask, answered from the FAQ in their language.

FAQs live in the database (``faq_entries``), seeded from ``bot/data/faq/``. A
question is matched by character n-grams weighted by TF-IDF, which works the
same for Vietnamese, Thai, Burmese or Chinese, none of which need a word
splitter: each FAQ's phrasings (and, more weakly, its answer) are compared with
what the resident typed, and the best match answers if its similarity clears a
threshold; below it the resident hears an honest "I don't know".
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.faq_files import FAQ_DIR, FaqFileError, load_yaml
from bot.conversation.models import FaqEntry
from messages.i18n import UnknownLanguage, get_language

QUESTION_WORDS_FILE = FAQ_DIR.parent / "faq_question_words.yaml"
ANSWER_WEIGHT = 0.6  # an answer's words count, but less than a way of asking
# Measured on held-out paraphrases in tests/bot/data/faq_paraphrases: at or above THRESHOLD the bot
# answers; between SUGGEST and THRESHOLD it says it does not know and offers the nearest question.
THRESHOLD = 0.3
SUGGEST = 0.2
CHECK_EVERY_S = 30.0  # how often a process looks whether officers changed the FAQ (in any process)
# On a storm night thousands ask the same few questions word for word: each language's index keeps
# the answers it found for this many distinct questions (a rebuilt index starts afresh).
REMEMBERED_QUESTIONS = 4096
# Indexes built in this process, kept by what they were built from: an index is the same for the same entries
# and question words, so another FaqIndex on the same FAQ (a second app, a reloaded one) takes it as it is.
KEPT_INDEXES = 48


def _fold(text: str, *, accents: bool = True) -> str:
    """Casefold and, with ``accents``, strip accents from Latin letters (Vietnamese typed without them).

    Only marks on Latin letters go; Thai, Khmer and Burmese vowel signs are letters of their words.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if not accents:
        return text
    text = text.replace("đ", "d")
    folded: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn" and folded and folded[-1].isascii():
            continue
        folded.append(ch)
    return unicodedata.normalize("NFC", "".join(folded))


def _clean(text: str, *, accents: bool = True) -> str:
    # Punctuation, symbols and spaces separate words; letters, digits and combining signs stay.
    return "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in _fold(text, accents=accents))


def has_latin_accents(text: str) -> bool:
    """Whether the resident typed accents (then "bão", typhoon, is not "bao" or "báo")."""
    return _fold(text) != _fold(text, accents=False)


class QuestionWords:
    """The words of one language that only make a sentence a question; the matcher leaves them out."""

    def __init__(self, words: list[str] | tuple[str, ...] = (), *, substrings: bool = False) -> None:
        forms = {_clean(w, accents=accents).strip() for w in words for accents in (True, False)}
        folded = sorted(forms - {""}, key=len, reverse=True)
        self.words = frozenset(folded)
        # Without spaces between words, a question word is cut out wherever it stands, except just
        # before a combining sign, where it is the start of a longer word (Thai ไหม in ไหม้).
        self.pattern = (
            re.compile(
                "|".join(
                    f"(?:{re.escape(w)})(?![\u0300-\u036f\u0e31-\u0e4e\u17b6-\u17dd\u102b-\u103e])" for w in folded
                )
            )
            if substrings and folded
            else None
        )
        self.key = (self.words, self.pattern is not None)  # what the matcher reads them as

    def strip(self, text: str, *, accents: bool = True) -> list[str]:
        cleaned = _clean(text, accents=accents)
        if self.pattern is not None:
            cleaned = self.pattern.sub(" ", cleaned)
        return [word for word in cleaned.split() if word not in self.words]


NO_QUESTION_WORDS = QuestionWords()


def read_question_words(path: Path = QUESTION_WORDS_FILE) -> dict[str, QuestionWords]:
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise FaqFileError(f"{path}: expected a mapping of language codes to their question words")
    found: dict[str, QuestionWords] = {}
    for code, item in data.items():
        words = item.get("words") if isinstance(item, dict) else None
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise FaqFileError(
                f"{path}: {code}: 'words' must be a list of words, quoted where YAML would "
                'read them as something else ("on", "no")'
            )
        try:
            language = get_language(str(code)).code
        except UnknownLanguage:
            raise FaqFileError(f"{path}: {code!r} is not a civicast language") from None
        found[language] = QuestionWords(words, substrings=item.get("mode") == "substrings")
    return found


def features(text: str, question_words: QuestionWords = NO_QUESTION_WORDS, *, accents: bool = True) -> Counter[str]:
    """Words and the character bigrams and trigrams inside them (Chinese and Thai need no splitter).

    In scripts written without spaces, a "word" is any run of text, so whole words and the edges
    of runs mean nothing there: only the grams inside count.
    """
    grams: Counter[str] = Counter()
    spaced = question_words.pattern is None
    for word in question_words.strip(text, accents=accents):
        if spaced:
            grams[f"w:{word}"] += 1
            word = f" {word} "
        for size in (2, 3):
            for start in range(len(word) - size + 1):
                grams[word[start : start + size]] += 1
        if not spaced and len(word) == 1:
            grams[word] += 1
    return grams


@dataclass(frozen=True)
class Match:
    key: str
    question: str  # the entry's first (main) question, shown when the bot only suggests it
    answer: str
    score: float


@dataclass(frozen=True)
class FaqText:
    key: str
    questions: tuple[str, ...]
    answer: str


class _Vectors:
    """TF-IDF vectors of an FAQ's phrasings and answers, with one way of reading text (``features``).

    A gram's weight comes from how many *entries* use it, not how many phrasings: words every
    entry shares then weigh close to nothing, so an unrelated question cannot reach the
    threshold on them alone.
    """

    def __init__(self, entries: list[FaqText], features: Callable[[str], Counter[str]]) -> None:
        self.features = features
        counted = [(entry, [features(q) for q in entry.questions], features(entry.answer)) for entry in entries]
        frequency: Counter[str] = Counter()
        for _, question_grams, answer_grams in counted:
            used: set[str] = set(answer_grams)
            for grams in question_grams:
                used.update(grams)
            frequency.update(used)
        total = len(counted)
        self.idf = {gram: max(0.0, math.log((total + 1) / (n + 0.5))) for gram, n in frequency.items()}
        self.docs: list[tuple[str, dict[str, float], float]] = []
        for entry, question_grams, answer_grams in counted:
            self.docs += [(entry.key, self._vector(grams), 1.0) for grams in question_grams]
            self.docs.append((entry.key, self._vector(answer_grams), ANSWER_WEIGHT))

    def _vector(self, grams: Counter[str]) -> dict[str, float]:
        vector = {g: (1 + math.log(n)) * self.idf[g] for g, n in grams.items() if self.idf.get(g)}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items()}

    def scores(self, question: str) -> dict[str, float]:
        query = self._vector(self.features(question))
        scores: dict[str, float] = {}
        for key, vector, weight in self.docs:
            small, large = (query, vector) if len(query) < len(vector) else (vector, query)
            score = weight * sum(v * large.get(g, 0.0) for g, v in small.items())
            scores[key] = max(scores.get(key, 0.0), score)
        return scores


class LanguageIndex:
    """One language's FAQ, ready to compare questions with.

    A question typed with accents is compared with the FAQ as written ("bão", typhoon, is not
    "báo", alert); one typed without them, with the FAQ stripped of its accents.
    """

    def __init__(self, entries: list[FaqText], question_words: QuestionWords = NO_QUESTION_WORDS) -> None:
        self.entries = {entry.key: entry for entry in entries}
        self.exact = _Vectors(entries, lambda text: features(text, question_words, accents=False))
        self.folded = _Vectors(entries, lambda text: features(text, question_words, accents=True))
        self._remembered: dict[str, Match | None] = {}

    def best(self, question: str) -> Match | None:
        if question in self._remembered:
            return self._remembered[question]
        scores = (self.exact if has_latin_accents(question) else self.folded).scores(question)
        match = None
        if scores:
            key = max(scores, key=scores.__getitem__)
            match = self.match(key, scores[key])
        if len(self._remembered) >= REMEMBERED_QUESTIONS:  # a flood of distinct questions: start afresh
            self._remembered = {}
        self._remembered[question] = match
        return match

    def match(self, key: str, score: float = 1.0) -> Match | None:
        entry = self.entries.get(key)
        return Match(key, entry.questions[0], entry.answer, score) if entry else None


def build_language_index(entries: list[dict[str, Any]], language: str | None = None) -> LanguageIndex:
    """An index of FAQ entries given as dictionaries (``key``, ``questions``, ``answer``)."""
    words = read_question_words().get(language, NO_QUESTION_WORDS) if language else NO_QUESTION_WORDS
    return LanguageIndex([FaqText(str(e["key"]), tuple(e["questions"]), str(e["answer"])) for e in entries], words)


def faq_fingerprints(session: Session) -> dict[str, str]:
    """Language → a digest of its entries' ids and edit times: it changes with any edit, addition or removal."""
    rows = session.execute(
        select(FaqEntry.language, FaqEntry.id, FaqEntry.updated_at).order_by(FaqEntry.language, FaqEntry.id)
    ).all()
    parts: dict[str, list[str]] = {}
    for language, entry_id, updated_at in rows:
        parts.setdefault(language, []).append(f"{entry_id}:{updated_at.isoformat()}")
    return {language: hashlib.sha256(";".join(items).encode()).hexdigest() for language, items in parts.items()}


class FaqIndex:
    """The FAQ of every language, read from the database and indexed.

    A language is indexed the first time a question in it is asked: a process that only ever hears a few
    languages builds only theirs. Every ``check_every_s`` the index compares each language's fingerprint with the
    database and drops the languages that changed, which are indexed again when next asked, so an officer's edit in
    the console reaches every process (gunicorn workers, ``civicast webhook-worker``) within that time; ``reload``
    looks at once. Webhook workers ask on several threads: one lock guards looking and building (the GIL lets one
    build run at a time anyway), while questions in languages already indexed are answered without it.
    """

    def __init__(
        self,
        session_factory: sessionmaker,
        *,
        threshold: float = THRESHOLD,
        check_every_s: float = CHECK_EVERY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session_factory = session_factory
        self.threshold = threshold
        self.check_every_s = check_every_s
        self.monotonic = monotonic
        self._indexes: dict[str, tuple[str, LanguageIndex]] = {}  # language → (its fingerprint when built, index)
        self._fingerprints: dict[str, str] = {}
        self._question_words: dict[str, QuestionWords] = {}
        self._checked_at: float | None = None
        self._lock = threading.Lock()

    def reload(self) -> list[str]:
        """Look at every language's entries again; the languages that changed since the last look (each is
        indexed again when next asked)."""
        with self._lock:
            with self.session_factory() as session:
                fingerprints = faq_fingerprints(session)
            changed = sorted(
                language for language, digest in fingerprints.items() if self._fingerprints.get(language) != digest
            )
            if changed:
                self._question_words = read_question_words()
            self._indexes = {
                language: built for language, built in self._indexes.items() if fingerprints.get(language) == built[0]
            }
            self._fingerprints = fingerprints
            # Only now: a question asked while the first look runs waits for it instead of finding no FAQ.
            self._checked_at = self.monotonic()
        return changed

    def _index(self, language: str) -> LanguageIndex | None:
        checked = self._checked_at
        if checked is None or self.monotonic() - checked >= self.check_every_s:
            self.reload()
        built = self._indexes.get(language)
        if built is not None and built[0] == self._fingerprints.get(language):
            return built[1]
        return self._build(language)

    def _build(self, language: str) -> LanguageIndex | None:
        with self._lock:
            fingerprint = self._fingerprints.get(language)
            if fingerprint is None:  # no entry in this language
                return None
            built = self._indexes.get(language)
            if built is not None and built[0] == fingerprint:  # another thread built it meanwhile
                return built[1]
            with self.session_factory() as session:
                rows = session.scalars(
                    select(FaqEntry).where(FaqEntry.language == language).order_by(FaqEntry.id)
                ).all()
                entries = tuple(FaqText(row.key, tuple(row.questions), row.answer) for row in rows)
            index = shared_index(entries, self._question_words.get(language, NO_QUESTION_WORDS))
            # Were an entry edited since the last look, the next look finds the fingerprint changed and drops this.
            self._indexes = {**self._indexes, language: (fingerprint, index)}
            return index

    def nearest(self, question: str, language: str) -> Match | None:
        """The closest entry in the resident's language, however weak (None below SUGGEST)."""
        index = self._index(language)
        match = index.best(question) if index else None
        return match if match and match.score >= SUGGEST else None

    def entry(self, key: str, language: str) -> Match | None:
        """An entry by its id (a resident who tapped a suggested question)."""
        index = self._index(language)
        return index.match(key) if index else None


_built: OrderedDict[tuple[object, ...], LanguageIndex] = OrderedDict()
_built_lock = threading.Lock()


def shared_index(entries: tuple[FaqText, ...], question_words: QuestionWords) -> LanguageIndex:
    """The index of these entries read with these question words: built once in this process, the least recently
    used of more than KEPT_INDEXES forgotten."""
    key = (entries, question_words.key)
    with _built_lock:
        index = _built.get(key)
        if index is not None:
            _built.move_to_end(key)
            return index
    index = LanguageIndex(list(entries), question_words)  # outside the lock: other FaqIndexes' lookups go on
    with _built_lock:
        _built[key] = index
        while len(_built) > KEPT_INDEXES:
            _built.popitem(last=False)
    return index
