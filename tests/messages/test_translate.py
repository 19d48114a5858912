"""Free text: the real deep-translator client against a local stand-in for the engine."""

from __future__ import annotations

import time

import pytest

from messages.i18n import LANGUAGES
from messages.models import TranslationOrigin
from messages.translate import (
    DeepTranslatorEngine,
    FailurePolicy,
    FreeTextLocaliser,
    NoEngine,
    TranslationUnavailable,
    find_memory,
    protect_terms,
    remember,
)
from tests.support.translation_server import FakeTranslate, start, stop

SOURCE = "颱風來襲，旗津區渡輪停駛，請改搭公車。"


@pytest.fixture
def fake():
    server = start(FakeTranslate())
    yield server
    stop(server)


@pytest.fixture
def google(fake):
    engine = DeepTranslatorEngine("google", base_url=fake.base_url, timeout_s=2.0)
    yield engine
    engine.close()


def localiser(engine, session_factory, glossary, policy=FailurePolicy.FALLBACK):
    return FreeTextLocaliser(engine=engine, session_factory=session_factory, glossary=glossary, policy=policy)


def test_engine_speaks_the_providers_language_codes(fake, google):
    out = google.translate("颱風", LANGUAGES["zh-Hant"], LANGUAGES["fil"])
    assert out == FakeTranslate.translation("颱風", "tl")
    assert fake.requests[-1]["sl"] == "zh-TW"


def test_translations_are_machine_marked_and_remembered(fake, google, session_factory, glossary):
    versions = localiser(google, session_factory, glossary).localise(SOURCE, "zh-Hant", ["zh-Hant", "vi", "id"])
    assert versions["zh-Hant"].text == SOURCE and versions["zh-Hant"].origin is TranslationOrigin.SOURCE
    assert versions["vi"].machine_translated and versions["vi"].text.startswith("<vi>")
    assert len(fake.requests) == 2
    again = localiser(google, session_factory, glossary).localise(SOURCE, "zh-Hant", ["vi", "id"])
    assert again["vi"].text == versions["vi"].text and len(fake.requests) == 2  # from memory, no new call


def test_glossary_names_never_reach_the_engine(fake, google, session_factory, glossary):
    versions = localiser(google, session_factory, glossary).localise(SOURCE, "zh-Hant", ["vi", "th"])
    sent = [r["q"] for r in fake.requests]
    assert all("旗津區" not in q and "⟦0⟧" in q for q in sent)
    assert glossary.name("district", "cijin", "vi") in versions["vi"].text
    assert glossary.name("district", "cijin", "th") in versions["th"].text


def test_a_reviewed_translation_wins(fake, google, session_factory, glossary):
    with session_factory.begin() as session:
        remember(
            session,
            SOURCE,
            "zh-Hant",
            "vi",
            "Bão đến, phà quận Kỳ Tân tạm ngừng.",
            origin=TranslationOrigin.REVIEWED,
            reviewed_by="officer-7",
        )
    versions = localiser(google, session_factory, glossary).localise(SOURCE, "zh-Hant", ["vi"])
    assert versions["vi"].text == "Bão đến, phà quận Kỳ Tân tạm ngừng."
    assert not versions["vi"].machine_translated and fake.requests == []
    # A later machine result does not overwrite the reviewed one.
    with session_factory.begin() as session:
        remember(session, SOURCE, "zh-Hant", "vi", "máy", origin=TranslationOrigin.MACHINE, engine="google")
    with session_factory() as session:
        assert find_memory(session, SOURCE, "zh-Hant", ["vi"])["vi"].origin == TranslationOrigin.REVIEWED


def test_a_slow_engine_times_out_once_for_all_languages(fake, session_factory, glossary):
    fake.delay_s = 3.0
    engine = DeepTranslatorEngine("google", base_url=fake.base_url, timeout_s=0.5)
    try:
        started = time.monotonic()
        versions = localiser(engine, session_factory, glossary).localise(
            SOURCE, "zh-Hant", ["zh-Hant", "vi", "id", "th", "km", "my"]
        )
        elapsed = time.monotonic() - started
    finally:
        engine.close()
    assert elapsed < 2.0, f"waited {elapsed:.1f} s"
    assert versions["vi"].text is None and versions["vi"].original == SOURCE and not versions["vi"].held


def test_fallback_adds_english_when_english_exists(fake, session_factory, glossary):
    with session_factory.begin() as session:
        remember(
            session,
            SOURCE,
            "zh-Hant",
            "en",
            "Typhoon: Cijin ferries suspended, take the bus.",
            origin=TranslationOrigin.REVIEWED,
        )
    versions = localiser(NoEngine(), session_factory, glossary).localise(SOURCE, "zh-Hant", ["en", "km"])
    assert versions["km"].original == SOURCE
    assert versions["km"].english == "Typhoon: Cijin ferries suspended, take the bus."


def test_hold_policy_holds_the_language(fake, session_factory, glossary):
    fake.status = 500
    engine = DeepTranslatorEngine("google", base_url=fake.base_url, timeout_s=2.0)
    try:
        versions = localiser(engine, session_factory, glossary, FailurePolicy.HOLD).localise(
            SOURCE, "zh-Hant", ["zh-Hant", "ko"]
        )
    finally:
        engine.close()
    assert versions["ko"].held and versions["ko"].text is None
    assert versions["zh-Hant"].text == SOURCE


def test_engine_errors_become_translation_unavailable(fake):
    fake.status = 429
    engine = DeepTranslatorEngine("google", base_url=fake.base_url, timeout_s=2.0)
    try:
        with pytest.raises(TranslationUnavailable, match="google failed"):
            engine.translate("颱風", LANGUAGES["zh-Hant"], LANGUAGES["en"])
    finally:
        engine.close()


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown translation engine"):
        DeepTranslatorEngine("babelfish")


def test_libretranslate_is_selectable(fake):
    root = fake.base_url.removesuffix("m")
    engine = DeepTranslatorEngine("libre", api_key="k", base_url=root, timeout_s=2.0)
    try:
        out = engine.translate("颱風", LANGUAGES["zh-Hant"], LANGUAGES["en"])
    finally:
        engine.close()
    assert out == FakeTranslate.translation("颱風", "en")
    assert fake.requests[-1]["source"] == "zh" and fake.requests[-1]["api_key"] == "k"
    with pytest.raises(TranslationUnavailable, match="does not translate"):
        DeepTranslatorEngine("libre", api_key="k", base_url=root).translate("x", LANGUAGES["en"], LANGUAGES["km"])


def test_a_city_government_in_free_text_stays_the_agency_not_the_quake_reference_hall(glossary):
    # 高雄市政府 names both the agency and the hall the CWA measures epicentres from: officers' text means the agency.
    protected = protect_terms(glossary, "高雄市政府宣布停班停課。", LANGUAGES["zh-Hant"])
    assert protected.terms == (("agency", "kaohsiung_city_government"),)
    assert protect_terms(glossary, "花蓮縣政府南南東方", LANGUAGES["zh-Hant"]).terms == (
        ("quake_reference", "hualien_county_hall"),
    )
