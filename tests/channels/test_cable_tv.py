"""Cable-TV feed builders: crawl lines and the CAP Atom index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser

from channels.cable_tv import FeedEntry, atom_index, crawl_items, crawl_line, crawl_text
from messages.kinds import Severity
from tests.support.factories import notice as make_notice

NOW = datetime(2024, 10, 2, 12, 0, tzinfo=UTC)


def entry(composer, kind_id, number, *, minutes_ago=0, languages=("zh-Hant", "en"), **params):
    item = make_notice(composer, kind_id, **params)
    item.id, item.identifier = number, f"civicast-test-{number}"
    sent = NOW - timedelta(minutes=minutes_ago)
    return FeedEntry(
        identifier=item.identifier, sent=sent, updated=sent, notices=composer.compose_all(item, list(languages))
    )


def test_crawl_line_is_cut_to_the_configured_length(composer):
    notice = entry(composer, "typhoon_land_warning", 1, intensity="moderate").notices["en"]
    line = crawl_line(notice, 60)
    assert len(line) == 60 and line.endswith("…") and line.startswith("[Severe] Typhoon Krathon")
    assert "\n" not in crawl_line(notice, 1000)


def test_crawl_orders_most_severe_first_then_newest(composer):
    entries = [
        entry(composer, "bus_change", 1, minutes_ago=1),  # Minor
        entry(composer, "evacuation_order", 2, minutes_ago=30),  # Extreme
        entry(composer, "heavy_rain", 3, minutes_ago=20, level="heavy_rain"),  # Moderate (大雨)
        entry(composer, "air_quality", 4, minutes_ago=5, level="unhealthy"),  # Moderate, newer
    ]
    items = crawl_items(entries, "en", max_chars=120, fallback="zh-Hant")
    assert [i["identifier"] for i in items] == [
        "civicast-test-2",
        "civicast-test-4",
        "civicast-test-3",
        "civicast-test-1",
    ]
    assert items[0]["severity"] == Severity.EXTREME.value
    text = crawl_text(items)
    assert text.count("\n") == 4 and all(len(line) <= 120 for line in text.splitlines())


def test_a_language_missing_from_an_entry_falls_back(composer):
    items = crawl_items(
        [entry(composer, "heavy_rain", 1, languages=("zh-Hant",))], "vi", max_chars=100, fallback="zh-Hant"
    )
    assert items[0]["language"] == "zh-Hant"


def test_atom_index_parses_and_links_cap_documents(composer):
    entries = [entry(composer, "earthquake_report", 1), entry(composer, "heavy_rain", 2, minutes_ago=3)]
    body = atom_index(
        entries,
        feed_url="https://x.tw/feeds/cap.atom",
        cap_url=lambda ident: f"https://x.tw/feeds/cap/{ident}.xml",
        title="Notices",
        author="Kaohsiung City Government",
        language="zh-Hant",
        updated=NOW,
    )
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Notices" and len(feed.entries) == 2
    for item in feed.entries:
        [cap] = [link for link in item.links if link.type == "application/cap+xml"]
        assert cap.href.startswith("https://x.tw/feeds/cap/civicast-test-")
