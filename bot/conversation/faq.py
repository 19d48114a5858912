"""Questions residents ask, answered from the FAQ in their language.

FAQs live in the database (``faq_entries``), seeded from ``bot/data/faq/``. A
question is matched by character n-grams weighted by TF-IDF, which works the
same for Vietnamese, Thai, Burmese or Chinese, none of which need a word
splitter: each FAQ's phrasings (and, more weakly, its answer) are compared with
what the resident typed, and the best match answers if its similarity clears a
threshold; below it the resident hears an honest "I don't know".
"""

from __future__ import annotations

import math
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.models import FaqEntry
from messages.i18n import LANGUAGES

FAQ_DIR = Path(__file__).resolve().parent.parent / "data" / "faq"
ANSWER_WEIGHT = 0.6  # an answer's words count, but less than a way of asking
THRESHOLD = 0.3


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # Drop punctuation and symbols but keep letters, digits and the combining vowel signs of Thai,
    # Khmer and Burmese (which are not "alphanumeric" to Python).
    return "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in text)


def features(text: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word in _clean(text).split():
        grams[f"w:{word}"] += 1
        padded = f" {word} "
        for size in (2, 3):
            for start in range(len(padded) - size + 1):
                grams[padded[start:start + size]] += 1
    return grams


@dataclass(frozen=True)
class Match:
    key: str
    answer: str
    score: float


class _LanguageIndex:
    def __init__(self, docs: list[tuple[str, str, float]], answers: dict[str, str]) -> None:
        counted = [(key, features(text), weight) for key, text, weight in docs]
        frequency: Counter[str] = Counter()
        for _, grams, _ in counted:
            frequency.update(grams.keys())
        total = len(counted)
        self.idf = {gram: math.log((total + 1) / (n + 1)) + 1 for gram, n in frequency.items()}
        self.docs = [(key, self._vector(grams), weight) for key, grams, weight in counted]
        self.answers = answers

    def _vector(self, grams: Counter[str]) -> dict[str, float]:
        vector = {g: (1 + math.log(n)) * self.idf.get(g, 0.0) for g, n in grams.items() if g in self.idf}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items()}

    def best(self, question: str) -> Match | None:
        query = self._vector(features(question))
        scores: dict[str, float] = {}
        for key, vector, weight in self.docs:
            small, large = (query, vector) if len(query) < len(vector) else (vector, query)
            score = weight * sum(v * large.get(g, 0.0) for g, v in small.items())
            scores[key] = max(scores.get(key, 0.0), score)
        if not scores:
            return None
        key = max(scores, key=scores.__getitem__)
        return Match(key, self.answers[key], scores[key])


class FaqIndex:
    """The FAQ of every language, read from the database and indexed; rebuilt when asked to."""

    def __init__(self, session_factory: sessionmaker, *, threshold: float = THRESHOLD) -> None:
        self.session_factory = session_factory
        self.threshold = threshold
        self._indexes: dict[str, _LanguageIndex] | None = None
        self._lock = threading.Lock()

    def reload(self) -> None:
        with self.session_factory() as session:
            rows = session.scalars(select(FaqEntry)).all()
        by_language: dict[str, tuple[list[tuple[str, str, float]], dict[str, str]]] = {}
        for row in rows:
            docs, answers = by_language.setdefault(row.language, ([], {}))
            docs += [(row.key, question, 1.0) for question in row.questions]
            docs.append((row.key, row.answer, ANSWER_WEIGHT))
            answers[row.key] = row.answer
        with self._lock:
            self._indexes = {language: _LanguageIndex(docs, answers)
                             for language, (docs, answers) in by_language.items()}

    def answer(self, question: str, language: str) -> Match | None:
        """The answer in the resident's language, or None when nothing matches well enough."""
        if self._indexes is None:
            self.reload()
        index = (self._indexes or {}).get(language)
        match = index.best(question) if index else None
        return match if match and match.score >= self.threshold else None


# ----------------------------------------------------------------------------- seeding


class FaqFileError(ValueError):
    pass


def read_faq_files(directory: Path = FAQ_DIR) -> list[dict[str, object]]:
    """Entries from ``en.yaml`` (the source, with ids and categories) and ``<language>.yaml`` files."""
    source_path = directory / "en.yaml"
    with source_path.open(encoding="utf-8") as handle:
        source = yaml.safe_load(handle)
    entries: list[dict[str, object]] = []
    categories = {}
    for item in source:
        categories[item["id"]] = item["category"]
        entries.append({"key": item["id"], "category": item["category"], "language": "en",
                        "questions": list(item["questions"]), "answer": item["answer"]})
    for path in sorted(directory.glob("*.yaml")):
        language = path.stem
        if language == "en":
            continue
        if language not in LANGUAGES:
            raise FaqFileError(f"{path}: {language!r} is not a civicast language")
        with path.open(encoding="utf-8") as handle:
            translated = yaml.safe_load(handle) or {}
        for key, item in translated.items():
            if key not in categories:
                raise FaqFileError(f"{path}: {key!r} is not an FAQ of en.yaml")
            entries.append({"key": key, "category": categories[key], "language": language,
                            "questions": list(item["questions"]), "answer": item["answer"]})
    return entries


def seed_if_empty(session_factory: sessionmaker, directory: Path = FAQ_DIR) -> int:
    """Fill an empty FAQ from the repository's files (officers' edits are never overwritten)."""
    with session_factory.begin() as session:
        if session.scalar(select(FaqEntry.id).limit(1)) is not None:
            return 0
        return seed_faq(session, read_faq_files(directory))


def seed_faq(session: Session, entries: list[dict[str, object]]) -> int:
    """Replace the FAQ with the given entries (the repository's files are the source of truth)."""
    session.execute(delete(FaqEntry))
    for entry in entries:
        session.add(FaqEntry(**entry))
    return len(entries)
