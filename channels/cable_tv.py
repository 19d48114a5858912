"""Cable-TV feeds: what operators poll every few seconds to put public notices on screen.

Built here from localised notices, served by ``bot``: a CAP 1.2 Atom index
(an ``<entry>`` per alert linking its CAP document, as the OASIS CAP feeds
guidance describes), a text crawl per language (one line per active notice,
most severe first) and the same crawl as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from pydantic import Field

from channels.base import ChannelContext, ChannelPreview
from channels.section import ChannelSection
from messages.cap import cap_time
from messages.localised import LocalisedNotice

ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"


@dataclass(frozen=True)
class FeedEntry:
    """One notice on air, in the languages the feed needs."""

    identifier: str
    sent: datetime
    updated: datetime
    notices: Mapping[str, LocalisedNotice]

    def best(self, language: str, fallback: str) -> LocalisedNotice:
        return self.notices.get(language) or self.notices[fallback]


def _order(entries: Iterable[FeedEntry], language: str, fallback: str) -> list[FeedEntry]:
    return sorted(entries, key=lambda e: (-e.best(language, fallback).severity.rank, -e.sent.timestamp()))


def crawl_line(notice: LocalisedNotice, max_chars: int) -> str:
    """One crawl line: severity and headline, then the instruction, cut to ``max_chars`` characters. A poll's
    question is followed by where to vote (the city's LINE account: a screen takes no vote), then as many of its
    numbered answers as fit."""
    separator = " ｜ " if not notice.title_line.startswith("[") else " | "
    parts = [notice.title_line] + ([notice.instruction] if notice.instruction else [])
    if notice.poll:
        parts += [notice.poll.vote_on_line_short, notice.poll.numbered("  ")]
    line = separator.join(parts).replace("\n", " ")
    return line if len(line) <= max_chars else line[: max_chars - 1].rstrip() + "…"


class CableTvSettings(ChannelSection):
    """``channels.cable_tv``: how long a crawl line may be, and the title of the feeds operators poll."""

    crawl_max_chars: int = Field(default=120, ge=20, le=2000)
    feed_title: str = "Kaohsiung City public notices"


class CableTvCrawl:
    """The crawl as a channel of the preview grid: published on the feeds the bot serves, never sent."""

    name = "cable_tv"
    label = "Cable TV crawl"

    def __init__(self, *, max_chars: int) -> None:
        self.max_chars = max_chars

    @classmethod
    def from_settings(cls, settings: CableTvSettings, context: ChannelContext) -> CableTvCrawl:
        return cls(max_chars=settings.crawl_max_chars)

    def preview(self, notice: LocalisedNotice) -> ChannelPreview:
        return ChannelPreview(self.name, self.label, crawl_line(notice, self.max_chars), look="crawl")


def crawl_items(entries: Iterable[FeedEntry], language: str, *, max_chars: int, fallback: str) -> list[dict[str, Any]]:
    items = []
    for entry in _order(entries, language, fallback):
        notice = entry.best(language, fallback)
        items.append(
            {
                "identifier": entry.identifier,
                "language": notice.language,
                "kind": notice.kind,
                "severity": notice.severity.value,
                "severity_label": notice.severity_label,
                "training": notice.training,  # the headline and the line then start with the training mark
                "headline": notice.headline,
                "instruction": notice.instruction,
                "line": crawl_line(notice, max_chars),
                "areas": list(notice.area_names),
                "effective": notice.effective.isoformat() if notice.effective else None,
                "expires": notice.expires.isoformat() if notice.expires else None,
                "sent": cap_time(entry.sent),
                "link": notice.link,
                "poll": (
                    {"options": list(notice.poll.options), "how_to_vote": notice.poll.vote_on_line}
                    if notice.poll
                    else None
                ),
            }
        )
    return items


def crawl_text(items: list[dict[str, Any]]) -> str:
    return "".join(f"{item['line']}\n" for item in items)


def atom_index(
    entries: Iterable[FeedEntry],
    *,
    feed_url: str,
    cap_url: Callable[[str], str],
    title: str,
    author: str,
    language: str,
    updated: datetime,
) -> bytes:
    """An Atom feed whose entries link each active alert's CAP 1.2 document."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    etree.SubElement(feed, f"{{{ATOM_NS}}}id").text = feed_url
    etree.SubElement(feed, f"{{{ATOM_NS}}}title").text = title
    etree.SubElement(feed, f"{{{ATOM_NS}}}updated").text = cap_time(updated)
    etree.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", href=feed_url, type="application/atom+xml")
    etree.SubElement(etree.SubElement(feed, f"{{{ATOM_NS}}}author"), f"{{{ATOM_NS}}}name").text = author
    for entry in _order(entries, language, language):
        notice = entry.best(language, next(iter(entry.notices)))
        item = etree.SubElement(feed, f"{{{ATOM_NS}}}entry")
        etree.SubElement(item, f"{{{ATOM_NS}}}id").text = f"urn:civicast:{entry.identifier}"
        etree.SubElement(item, f"{{{ATOM_NS}}}title").text = notice.title_line
        etree.SubElement(item, f"{{{ATOM_NS}}}updated").text = cap_time(entry.updated)
        etree.SubElement(item, f"{{{ATOM_NS}}}published").text = cap_time(entry.sent)
        etree.SubElement(item, f"{{{ATOM_NS}}}link", rel="alternate", type=CAP_MIME, href=cap_url(entry.identifier))
        if notice.link:
            etree.SubElement(item, f"{{{ATOM_NS}}}link", rel="related", type="text/html", href=notice.link)
        etree.SubElement(item, f"{{{ATOM_NS}}}category", term=notice.severity.value, label=notice.severity_label)
        summary = etree.SubElement(item, f"{{{ATOM_NS}}}summary")
        summary.text = "\n".join(part for part in (notice.body, notice.instruction) if part)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
