"""The FAQ's files: ``bot/data/faq/`` read and checked, and the database seeded from them.

``en.yaml`` is the source (ids, categories, questions, answer); each ``<language>.yaml`` maps its ids to the
language's own questions and answer. A file that cannot be used is refused with the file, the id and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.models import FaqEntry
from messages.i18n import UnknownLanguage, get_language
from messages.yaml_files import safe_load

FAQ_DIR = Path(__file__).resolve().parent.parent / "data" / "faq"


class FaqFileError(ValueError):
    pass


def load_yaml(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as handle:
            return safe_load(handle)
    except yaml.YAMLError as exc:
        raise FaqFileError(f"{path}: not valid YAML: {exc}") from None


def _entry(path: Path, key: object, item: object) -> tuple[list[str], str]:
    """The questions and answer of one entry, or an error naming the file, the id and what is wrong."""
    if not isinstance(item, dict):
        raise FaqFileError(f"{path}: {key!r} must be a mapping with 'questions' and 'answer'")
    questions, answer = item.get("questions"), item.get("answer")
    if not isinstance(questions, list) or not questions or not all(isinstance(q, str) and q.strip() for q in questions):
        raise FaqFileError(f"{path}: {key!r} needs 'questions', a list of at least one question")
    if not isinstance(answer, str) or not answer.strip():
        raise FaqFileError(f"{path}: {key!r} needs an 'answer'")
    return [q.strip() for q in questions], answer.strip()


def read_faq_files(directory: Path = FAQ_DIR) -> list[dict[str, object]]:
    """Entries from ``en.yaml`` (the source, with ids and categories) and ``<language>.yaml`` files."""
    source_path = directory / "en.yaml"
    source = load_yaml(source_path)
    if not isinstance(source, list):
        raise FaqFileError(f"{source_path}: expected a list of entries with id, category, questions, answer")
    entries: list[dict[str, object]] = []
    categories: dict[str, str] = {}
    for item in source:
        key = item.get("id") if isinstance(item, dict) else None
        if not isinstance(key, str) or not isinstance(item.get("category"), str):
            raise FaqFileError(f"{source_path}: every entry needs an 'id' and a 'category' ({item!r:.60})")
        if key in categories:
            raise FaqFileError(f"{source_path}: id {key!r} appears twice")
        categories[key] = item["category"]
        questions, answer = _entry(source_path, key, item)
        entries.append(
            {"key": key, "category": item["category"], "language": "en", "questions": questions, "answer": answer}
        )
    for path in sorted(directory.glob("*.yaml")):
        if path.stem == "en":
            continue
        try:  # files are named like the catalog folders: zh_Hant.yaml, vi.yaml
            language = get_language(path.stem).code
        except UnknownLanguage:
            raise FaqFileError(f"{path}: {path.stem!r} is not a civicast language") from None
        translated = load_yaml(path) or {}
        if not isinstance(translated, dict):
            raise FaqFileError(f"{path}: expected a mapping from en.yaml ids to questions and answer")
        for key, item in translated.items():
            if key not in categories:
                raise FaqFileError(f"{path}: {key!r} is not an FAQ of en.yaml")
            questions, answer = _entry(path, key, item)
            entries.append(
                {
                    "key": key,
                    "category": categories[key],
                    "language": language,
                    "questions": questions,
                    "answer": answer,
                }
            )
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
