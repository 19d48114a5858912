"""Every channel's rendering of a training notice starts with the training mark, in every language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from channels.base import Batch
from channels.cable_tv import ATOM_NS, FeedEntry, atom_index, crawl_items, crawl_line
from channels.facebook import post_text
from channels.line import flex_bubble, render_messages
from channels.webhook import payload
from messages.i18n import LANGUAGES

ALL = list(LANGUAGES)
NOW = datetime(2024, 4, 3, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def training(composer):
    """A training tsunami warning (Extreme) in every language: the case where the order mattered most."""
    notice = composer.new_notice("tsunami_warning", composer.kinds.get("tsunami_warning").example_params, training=True)
    notice.id, notice.identifier = 12, "civicast-test-12"
    return composer.compose_all(notice, ALL)


@pytest.mark.parametrize("code", ALL)
def test_line_bubble_band_and_notification_start_with_the_mark(training, code):
    ln = training[code]
    bubble = flex_bubble(ln)
    band, headline = (item["text"] for item in bubble["header"]["contents"])
    assert band.startswith(ln.test_mark) and ln.severity_label in band
    # The headline under the band does not repeat the mark the band already shows.
    assert not headline.startswith(ln.test_mark) and ln.headline.endswith(headline)
    [message] = render_messages(ln)
    assert message["altText"].startswith(ln.test_mark)


@pytest.mark.parametrize("code", ALL)
def test_line_text_fallback_starts_with_the_mark(training, code):
    ln = training[code]
    # Too big for a 30 KB bubble (as in test_line): the notice goes as plain text.
    big = type(ln)(**{**ln.__dict__, "body": "颱風" * 3000, "instruction": "雨" * 5000})
    [message] = render_messages(big)
    assert message["type"] == "text" and message["text"].startswith(ln.test_mark)


def test_facebook_post_sections_start_with_the_mark(training):
    text = post_text([training[code] for code in ALL])
    sections = text.split("\n\n")
    for code in ALL:
        ln = training[code]
        assert any(section.startswith(ln.title_line) for section in sections), code
        assert ln.title_line.startswith(ln.test_mark)
    assert text.startswith(training["zh-Hant"].test_mark)


@pytest.mark.parametrize("code", ALL)
def test_crawl_line_starts_with_the_mark(training, code):
    assert crawl_line(training[code], 60).startswith(training[code].test_mark)


def test_crawl_items_and_atom_titles_start_with_the_mark(training):
    entry = FeedEntry(identifier="civicast-test-12", sent=NOW, updated=NOW, notices=training)
    for code in ALL:
        [item] = crawl_items([entry], code, max_chars=200, fallback="zh-Hant")
        assert item["training"] and item["line"].startswith(training[code].test_mark)
        assert item["headline"].startswith(training[code].test_mark)
        feed = etree.fromstring(
            atom_index(
                [entry],
                feed_url="https://x.tw/feed",
                cap_url=lambda i: f"https://x.tw/{i}",
                title="Notices",
                author="KCG",
                language=code,
                updated=NOW,
            )
        )
        assert feed.findtext(f"{{{ATOM_NS}}}entry/{{{ATOM_NS}}}title").startswith(training[code].test_mark)


def test_webhook_titles_start_with_the_mark(training):
    document = payload(Batch("d-12", training))
    assert document["training"] is True
    for code, body in document["languages"].items():
        assert body["title"].startswith(training[code].test_mark) and body["headline"].startswith(
            training[code].test_mark
        )
