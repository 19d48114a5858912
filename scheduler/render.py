"""Localised notices for the workers: composed once per notice × language, then kept."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from sqlalchemy.orm import sessionmaker

from messages.compose import Composer
from messages.localised import LocalisedNotice
from messages.models import Notice
from messages.notices import free_text_versions
from messages.polls import poll_spec
from scheduler.outbox import PUBLIC_LANGUAGE


class NoticeRenderer:
    def __init__(
        self, session_factory: sessionmaker, composer: Composer, languages: Iterable[str], *, maxsize: int = 512
    ) -> None:
        self.session_factory = session_factory
        self.composer = composer
        self.languages = tuple(languages)
        self.maxsize = maxsize
        self._cache: OrderedDict[tuple[int, str], dict[str, LocalisedNotice]] = OrderedDict()
        self._lock = threading.Lock()
        self._composing: dict[tuple[int, str], threading.Lock] = {}

    def notices(self, notice_id: int, language: str) -> dict[str, LocalisedNotice]:
        """The notice in ``language``, or in every configured language for ``"*"`` (public channels)."""
        key = (notice_id, language)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            key_lock = self._composing.setdefault(key, threading.Lock())
        with key_lock:  # one thread composes; the others wait for its result instead of repeating it
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None:
                return cached
            rendered = self._compose(notice_id, language)
            with self._lock:
                self._cache[key] = rendered
                self._composing.pop(key, None)
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
            return rendered

    def _compose(self, notice_id: int, language: str) -> dict[str, LocalisedNotice]:
        with self.session_factory() as session:
            notice = session.get(Notice, notice_id)
            if notice is None:
                raise LookupError(f"notice {notice_id} does not exist")
            free = free_text_versions(session, notice)
            poll = poll_spec(session, notice_id)
            session.expunge(notice)
        languages = self.languages if language == PUBLIC_LANGUAGE else (language,)
        return self.composer.compose_all(notice, languages, free, poll=poll)
