"""Segmentation: topic, districts, whole city, inactive residents, test recipients, unknown languages."""

from __future__ import annotations

from scheduler.audience import audience_counts, catalog_language, notice_district_mask, segment
from tests.scheduler.conftest import add_residents


def everyone(session, glossary, *, topic="disaster", districts=("all",), training=False):
    groups = segment(
        session,
        channel="line",
        topic=topic,
        training=training,
        districts_mask=notice_district_mask(glossary, districts),
    )
    return {user: language for language, users in groups for user in users}


def test_topic_and_district_filters(session_factory, glossary):
    with session_factory.begin() as session:
        health_only = add_residents(session, glossary, 5, prefix=1, topics=["health"])
        sanmin = add_residents(session, glossary, 5, prefix=2, districts=["sanmin"])
        lingya = add_residents(session, glossary, 5, prefix=3, districts=["lingya", "cianjhen"])
        city = add_residents(session, glossary, 5, prefix=4)
        gone = add_residents(session, glossary, 5, prefix=5, status="inactive")
    with session_factory() as session:
        disaster_city = everyone(session, glossary)
        assert set(disaster_city) == set(sanmin + lingya + city)
        sanmin_notice = everyone(session, glossary, districts=["sanmin"])
        assert set(sanmin_notice) == set(sanmin + city)  # whole-city residents get every district's notices
        assert set(everyone(session, glossary, districts=["cianjhen"])) == set(lingya + city)
        assert set(everyone(session, glossary, topic="health")) >= set(health_only)
        assert not set(gone) & set(everyone(session, glossary, topic="health"))


def test_training_reaches_only_test_recipients(session_factory, glossary):
    with session_factory.begin() as session:
        add_residents(session, glossary, 10, prefix=1)
        testers = add_residents(session, glossary, 3, prefix=2, test_recipient=True)
    with session_factory() as session:
        assert set(everyone(session, glossary, training=True)) == set(testers)


def test_counts_per_language_and_unknown_languages(session_factory, glossary):
    with session_factory.begin() as session:
        add_residents(session, glossary, 24, prefix=1)
        add_residents(session, glossary, 4, prefix=2, language="pt-BR")
    with session_factory() as session:
        counts = audience_counts(session, channel="line", topic="disaster", districts_mask=None)
    assert sum(counts.values()) == 28 and counts["zh-Hant"] == 2 + 4 and counts["vi"] == 2
    assert catalog_language("pt-BR") == "zh-Hant" and catalog_language("zh-TW") == "zh-Hant"
    assert catalog_language("in") == "id" and catalog_language("zh-CN") == "zh-Hans"
