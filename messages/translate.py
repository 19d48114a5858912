"""Free text: translation memory first, machine translation second, always marked.

An officer's own sentences (beyond the reviewed phrase bank) are translated
once per language pair and kept in the translation memory; a reviewed
translation there wins over any engine. Glossary names are swapped for tokens
before the engine sees the text and put back in the reader's language after,
so "三民區" never comes back as "Three People District". The engine runs with a
timeout the library lacks; when it fails, the configured policy decides:
``hold`` (that language waits for review) or ``fallback`` (the original text,
plus English where an English version exists).
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from messages.glossary import Glossary
from messages.i18n import LANGUAGES, Language, get_language
from messages.localised import FreeTextVersion
from messages.metrics import TRANSLATION_LATENCY, TRANSLATIONS
from messages.models import TranslationMemory, TranslationOrigin


class FailurePolicy(StrEnum):
    HOLD = "hold"
    FALLBACK = "fallback"


class TranslationUnavailable(RuntimeError):
    """The engine failed, timed out or answered nonsense."""


class TranslationEngine(Protocol):
    name: str

    def translate(self, text: str, source: Language, target: Language) -> str: ...


# ----------------------------------------------------------------------------- engines

_PROVIDERS = ("google", "deepl", "microsoft", "libre")


def _provider_code(provider: str, language: Language) -> str | None:
    return {
        "google": language.google,
        "deepl": language.deepl,
        "microsoft": language.microsoft,
        "libre": language.libre,
    }[provider]


class DeepTranslatorEngine:
    """A deep-translator provider behind civicast's protocol, with a timeout.

    ``base_url`` points the provider elsewhere (a self-hosted LibreTranslate, a
    local stand-in in tests); None keeps the library's own endpoint.
    """

    def __init__(
        self,
        provider: str = "google",
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        region: str | None = None,
        timeout_s: float = 8.0,
        max_workers: int = 16,
    ) -> None:
        if provider not in _PROVIDERS:
            raise ValueError(f"unknown translation engine {provider!r}; choose one of {', '.join(_PROVIDERS)}")
        self.name = provider
        self.api_key = api_key
        self.base_url = base_url
        self.region = region
        self.timeout_s = timeout_s
        # deep-translator sets no timeouts of its own: calls run on these threads and
        # are abandoned, not awaited, once the timeout passes.
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"mt-{provider}")

    def _translator(self, source: str, target: str) -> Any:
        import deep_translator

        if self.name == "google":
            translator = deep_translator.GoogleTranslator(source=source, target=target)
        elif self.name == "deepl":
            translator = deep_translator.DeeplTranslator(
                api_key=self.api_key, source=source, target=target, use_free_api=not self.base_url
            )
        elif self.name == "microsoft":
            # The Microsoft translator calls the network in its constructor; it runs on the pool too.
            translator = deep_translator.MicrosoftTranslator(
                api_key=self.api_key, source=source, target=target, region=self.region
            )
        else:
            translator = deep_translator.LibreTranslator(
                api_key=self.api_key, source=source, target=target, custom_url=self.base_url or None
            )
        if self.base_url and self.name in ("google", "deepl"):
            translator._base_url = self.base_url  # the library has no public option for its endpoint
        return translator

    def _call(self, text: str, source: str, target: str) -> str:
        return str(self._translator(source, target).translate(text))

    def translate(self, text: str, source: Language, target: Language) -> str:
        source_code = _provider_code(self.name, source)
        target_code = _provider_code(self.name, target)
        if not source_code or not target_code:
            raise TranslationUnavailable(f"{self.name} does not translate {source.code} → {target.code}")
        future = self._pool.submit(self._call, text, source_code, target_code)
        try:
            result = future.result(timeout=self.timeout_s)
        except FutureTimeout:
            future.cancel()
            raise TranslationUnavailable(f"{self.name} did not answer within {self.timeout_s:g} s") from None
        except Exception as exc:  # noqa: BLE001 - every engine failure means the same to us
            raise TranslationUnavailable(f"{self.name} failed: {type(exc).__name__}: {exc}") from exc
        if not isinstance(result, str) or not result.strip():
            raise TranslationUnavailable(f"{self.name} returned no text")
        return result

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class NoEngine:
    """Machine translation switched off: every free text falls to the failure policy."""

    name = "none"

    def translate(self, text: str, source: Language, target: Language) -> str:
        raise TranslationUnavailable("machine translation is switched off")


# ----------------------------------------------------------------------------- glossary protection

_TOKEN = "⟦{}⟧"
_TOKEN_BACK = re.compile(r"⟦\s*(\d+)\s*⟧")


@dataclass(frozen=True)
class ProtectedText:
    text: str
    terms: tuple[tuple[str, str], ...]  # token index -> (group, key)


def protect_terms(glossary: Glossary, text: str, source: Language) -> ProtectedText:
    """Replace glossary names written in the source language with numbered tokens."""
    names: list[tuple[str, str, str]] = []
    for group, terms in glossary.groups.items():
        for term in terms.values():
            name = glossary.name(group, term.key, source)
            if name:
                names.append((name, group, term.key))
    names.sort(key=lambda item: len(item[0]), reverse=True)  # 那瑪夏區 before 夏
    found: list[tuple[str, str]] = []
    for name, group, key in names:
        if name in text:
            text = text.replace(name, _TOKEN.format(len(found)))
            found.append((group, key))
    return ProtectedText(text, tuple(found))


def restore_terms(glossary: Glossary, protected: ProtectedText, translated: str, target: Language) -> str:
    def swap(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(protected.terms):
            return match.group(0)
        group, key = protected.terms[index]
        return glossary.name(group, key, target)

    restored = _TOKEN_BACK.sub(swap, translated)
    if len(set(_TOKEN_BACK.findall(translated))) < len(protected.terms):
        raise TranslationUnavailable("the engine dropped a glossary name")
    return restored


# ----------------------------------------------------------------------------- memory


def source_hash(text: str) -> str:
    normalised = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def find_memory(session: Session, text: str, source: str, targets: Iterable[str]) -> dict[str, TranslationMemory]:
    rows = session.scalars(
        select(TranslationMemory).where(
            TranslationMemory.source_hash == source_hash(text),
            TranslationMemory.source_lang == source,
            TranslationMemory.target_lang.in_(list(targets)),
        )
    )
    return {row.target_lang: row for row in rows}


def remember(
    session: Session,
    text: str,
    source: str,
    target: str,
    translated: str,
    *,
    origin: TranslationOrigin,
    engine: str | None = None,
    reviewed_by: str | None = None,
) -> TranslationMemory:
    """Store a translation; a reviewed one replaces a machine one, never the other way round."""
    row = find_memory(session, text, source, [target]).get(target)
    if row is None:
        row = TranslationMemory(
            source_lang=source,
            target_lang=target,
            source_hash=source_hash(text),
            source_text=text,
            text=translated,
            origin=origin,
            engine=engine,
            reviewed_by=reviewed_by,
        )
        session.add(row)
    elif origin is TranslationOrigin.REVIEWED or row.origin != TranslationOrigin.REVIEWED:
        row.text, row.origin, row.engine, row.reviewed_by = translated, origin, engine, reviewed_by
    return row


# ----------------------------------------------------------------------------- localiser


class FreeTextLocaliser:
    """Free text in every wanted language, by memory, engine and policy.

    Sessions are opened only around database work: none is open while the
    engine is called.
    """

    def __init__(
        self,
        *,
        engine: TranslationEngine,
        session_factory: sessionmaker[Session] | Callable[[], Session],
        glossary: Glossary,
        policy: FailurePolicy = FailurePolicy.FALLBACK,
    ) -> None:
        self.engine = engine
        self.session_factory = session_factory
        self.glossary = glossary
        self.policy = FailurePolicy(policy)

    def _machine(self, text: str, source: Language, target: Language) -> str:
        protected = protect_terms(self.glossary, text, source)
        engine = getattr(self.engine, "name", "unknown")
        started = time.perf_counter()
        try:
            translated = self.engine.translate(protected.text, source, target)
        except TranslationUnavailable:
            TRANSLATIONS.labels(engine, "failed").inc()
            raise
        finally:
            TRANSLATION_LATENCY.labels(engine).observe(time.perf_counter() - started)
        TRANSLATIONS.labels(engine, "ok").inc()
        return restore_terms(self.glossary, protected, translated, target)

    def _machine_all(self, text: str, source: Language, codes: list[str]) -> tuple[dict[str, str], list[str]]:
        """All languages at once, so a hung engine costs one timeout, not one per language."""
        fresh: dict[str, str] = {}
        failed: list[str] = []
        if not codes:
            return fresh, failed
        with ThreadPoolExecutor(max_workers=len(codes), thread_name_prefix="mt-request") as pool:
            futures = {code: pool.submit(self._machine, text, source, get_language(code)) for code in codes}
            for code, future in futures.items():
                try:
                    fresh[code] = future.result()
                except TranslationUnavailable:
                    failed.append(code)
        return fresh, failed

    def localise(self, text: str, source_lang: str, targets: Iterable[str] | None = None) -> dict[str, FreeTextVersion]:
        source = get_language(source_lang)
        wanted = [get_language(code).code for code in (targets or LANGUAGES)]
        with self.session_factory() as session:
            memory = {
                lang: (row.text, TranslationOrigin(row.origin), row.engine)
                for lang, row in find_memory(session, text, source.code, wanted).items()
            }
        versions: dict[str, FreeTextVersion] = {}
        todo: list[str] = []
        for code in wanted:
            if code == source.code:
                versions[code] = FreeTextVersion(code, text, TranslationOrigin.SOURCE)
            elif code in memory:
                translated, origin, engine = memory[code]
                versions[code] = FreeTextVersion(code, translated, origin, engine=engine)
            else:
                todo.append(code)
        fresh, failed = self._machine_all(text, source, todo)
        for code, translated in fresh.items():
            versions[code] = FreeTextVersion(code, translated, TranslationOrigin.MACHINE, engine=self.engine.name)
        if fresh:
            with self.session_factory() as session, session.begin():
                for code, translated in fresh.items():
                    remember(
                        session,
                        text,
                        source.code,
                        code,
                        translated,
                        origin=TranslationOrigin.MACHINE,
                        engine=self.engine.name,
                    )
        english = versions.get("en")
        for code in failed:
            if self.policy is FailurePolicy.HOLD:
                versions[code] = FreeTextVersion(code, None, None, held=True)
            else:
                versions[code] = FreeTextVersion(
                    code, None, None, original=text, english=english.text if english else None
                )
        return {code: versions[code] for code in wanted}


def build_engine(
    provider: str,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    region: str | None = None,
    timeout_s: float = 8.0,
) -> TranslationEngine:
    if provider == "none":
        return NoEngine()
    return DeepTranslatorEngine(provider, api_key=api_key, base_url=base_url, region=region, timeout_s=timeout_s)
