"""Reading the national platform's feeds, defensively: the entries, each with its id, the link to its ``.cap``
file and the expiry the feed states, if it states one.

The Atom feed (``RssAtomFeed.ashx``) is read with an lxml parser that refuses DTDs and entities and never
fetches over the network. The JSON feed (``JSONAtomFeed.ashx``) has no published shape, so the shapes a JSON
rendering of Atom takes are accepted: ``{"entry": [...]}``, ``{"feed": {"entry": [...]}}`` or a list of
entries, each link a string, an ``{"href": ...}`` or ``{"@href": ...}`` object, or a list of those.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from messages.i18n import TAIPEI

ATOM_NS = "http://www.w3.org/2005/Atom"
FORMATS = ("atom", "json")


class FeedError(ValueError):
    """The feed is not one civicast can read; the message says why."""


@dataclass(frozen=True)
class FeedItem:
    entry_id: str
    link: str | None
    expires: datetime | None  # only when the feed states it


@dataclass(frozen=True)
class FeedContents:
    items: list[FeedItem]
    problems: list[str]  # entries that could not be read, skipped: one bad entry does not hide the others


def read_feed(document: bytes, feed_format: str, *, max_bytes: int) -> FeedContents:
    """The entries of a feed in ``feed_format`` ("atom" or "json"), or FeedError naming what is wrong."""
    if len(document) > max_bytes:
        raise FeedError(f"the feed is {len(document)} bytes; the limit is {max_bytes}")
    if _looks_like_html(document):
        raise FeedError("the feed is an HTML page, not a feed (an error page?)")
    if feed_format == "atom":
        return read_atom(document)
    if feed_format == "json":
        return read_json_feed(document)
    raise FeedError(f"unknown feed format {feed_format!r}: expected one of {', '.join(FORMATS)}")


def _looks_like_html(document: bytes) -> bool:
    head = document[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


# ----------------------------------------------------------------------------- Atom


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False, huge_tree=False, remove_pis=True
    )


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def read_atom(document: bytes) -> FeedContents:
    upper = document.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise FeedError("the feed declares a DTD or entities, which an Atom feed never needs")
    try:
        root = etree.fromstring(document, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"the feed is not well-formed XML: {exc}") from None
    if _local(root) != "feed" or etree.QName(root).namespace not in (ATOM_NS, None):
        raise FeedError(f"not an Atom feed: the root element is <{_local(root) or root.tag!s}>")
    return _collect(_atom_entry, [child for child in root if _local(child) == "entry"])


def _collect(read_entry: Callable[[Any, int], FeedItem], entries: list[Any]) -> FeedContents:
    items: list[FeedItem] = []
    problems: list[str] = []
    for position, entry in enumerate(entries):
        try:
            items.append(read_entry(entry, position))
        except FeedError as exc:
            problems.append(str(exc))
    return FeedContents(items=items, problems=problems)


def _atom_entry(entry: etree._Element, position: int) -> FeedItem:
    children = [child for child in entry if isinstance(child.tag, str)]
    entry_id = next(((child.text or "").strip() for child in children if _local(child) == "id"), "")
    if not entry_id:
        raise FeedError(f"entry {position + 1} of the feed has no id")
    links = [
        {"href": child.get("href"), "rel": child.get("rel"), "type": child.get("type")}
        for child in children
        if _local(child) == "link" and child.get("href")
    ]
    expires = next(((child.text or "").strip() for child in children if _local(child) == "expires"), None)
    return FeedItem(entry_id=entry_id, link=_pick_link(links), expires=_parse_expiry(expires))


# ----------------------------------------------------------------------------- JSON


def read_json_feed(document: bytes) -> FeedContents:
    try:
        data = json.loads(document)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedError(f"the feed is not JSON: {exc}") from None
    except RecursionError:
        raise FeedError("the feed is JSON nested too deeply to read") from None
    return _collect(_json_entry, _json_entries(data))


def _json_entries(data: Any) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("feed"), dict):
        data = data["feed"]
    if isinstance(data, dict):
        if "entry" not in data:
            raise FeedError(f'the JSON feed has no "entry" list (its keys: {", ".join(sorted(data)[:10])})')
        data = data["entry"]
        if isinstance(data, dict):  # a JSON rendering of XML makes a single entry an object, not a list
            data = [data]
        elif data is None:
            data = []
    if not isinstance(data, list):
        raise FeedError(f"the JSON feed's entries are a {type(data).__name__}, not a list")
    return data


def _json_text(value: Any) -> str | None:
    if isinstance(value, dict):  # {"#text": ...} or {"$t": ...}, as XML-to-JSON converters write text nodes
        value = value.get("#text", value.get("$t"))
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _json_entry(entry: Any, position: int) -> FeedItem:
    if not isinstance(entry, dict):
        raise FeedError(f"entry {position + 1} of the JSON feed is a {type(entry).__name__}, not an object")
    entry_id = _json_text(entry.get("id"))
    if entry_id is None:
        raise FeedError(f"entry {position + 1} of the JSON feed has no id")
    raw_links = entry.get("link")
    raw_links = raw_links if isinstance(raw_links, list) else [raw_links]
    links = []
    for raw in raw_links:
        if isinstance(raw, str):
            links.append({"href": raw, "rel": None, "type": None})
        elif isinstance(raw, dict):
            href = raw.get("href", raw.get("@href"))
            if isinstance(href, str):
                links.append(
                    {"href": href, "rel": raw.get("rel", raw.get("@rel")), "type": raw.get("type", raw.get("@type"))}
                )
    expires = _json_text(entry.get("expires", entry.get("cap:expires")))
    return FeedItem(entry_id=entry_id, link=_pick_link(links), expires=_parse_expiry(expires))


# ----------------------------------------------------------------------------- shared


def _pick_link(links: list[dict[str, Any]]) -> str | None:
    """The link to the entry's CAP document: one typed or named as CAP first, then the alternate, then any; never
    one typed as an HTML page (a page about the alert is not the alert)."""

    def rank(link: dict[str, Any]) -> int:
        kind = str(link.get("type") or "").lower()
        if "cap" in kind or str(link["href"]).lower().split("?")[0].endswith(".cap"):
            return 0
        return 1 if link.get("rel") in (None, "alternate") else 2

    links = [link for link in links if str(link["href"]).strip() and "html" not in str(link.get("type") or "")]
    return str(min(links, key=rank)["href"]).strip() if links else None


def _parse_expiry(value: str | None) -> datetime | None:
    """An expiry the feed states, read as CAP writes times; a time without a zone is Taiwan's. An expiry that
    cannot be read is no expiry: the entry is fetched, and the alert's own expiry decides."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=TAIPEI)
