"""A local stand-in for the national platform's feeds: an Atom feed (``/feed.atom``) and a JSON feed
(``/feed.json``) listing entries whose links point to ``.cap`` files it also serves.

It answers conditional GETs with 304 (If-None-Match against its ETag, If-Modified-Since against the time the
entries last changed), counts requests per path, and can be told to fail per path: answer 500, close the
connection without answering, answer too late, serve an HTML page instead, or serve a 10 MB body.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

import pytest

from tests.support.serving import serve_in_background

ATOM = "/feed.atom"
JSON = "/feed.json"
CAP_SAMPLES = Path(__file__).resolve().parent.parent / "data" / "cap-tw-2019"
HUGE_BYTES = 10 * 1024 * 1024
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Runtime Error</title></head>"
    b"<body><h1>Server Error in '/' Application.</h1></body></html>"
)


class Fault(StrEnum):
    ERROR = "error"  # HTTP 500
    CLOSE = "close"  # close the connection without an answer
    SLOW = "slow"  # answer after ``slow_s`` seconds
    HTML = "html"  # an HTML error page with status 200
    HUGE = "huge"  # 10 MB, streamed without a Content-Length


@dataclass
class ServedEntry:
    entry_id: str
    path: str  # where its document is served, e.g. /cap/x.cap
    document: bytes
    link: str | None = None  # the link the feed gives, when not the served path on this server
    expires: str | None = None  # an expiry the feed states
    updated: str = "2026-07-01T08:00:00+08:00"


@dataclass
class FeedServer:
    entries: list[ServedEntry] = field(default_factory=list)
    # How the JSON feed is shaped: "entry" ({"entry": [...]}), "feed" ({"feed": {"entry": [...]}}) or "list";
    # and its links: "string", "href", "@href" or "list" (a list of link objects, the CAP one last).
    json_shape: str = "entry"
    json_links: str = "href"
    slow_s: float = 2.0
    etags: bool = True  # False: only Last-Modified, so If-Modified-Since decides
    pages: dict[str, bytes] = field(default_factory=dict)  # other documents served as they are, by path
    redirects: dict[str, str] = field(default_factory=dict)  # path -> where a 302 sends the client
    faults: dict[str, Fault] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)  # 304s answered, per path
    changed_at: datetime = field(default_factory=lambda: datetime(2026, 7, 1, tzinfo=UTC))
    server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(
        self,
        entry_id: str,
        *,
        sample: str | None = None,
        document: bytes | None = None,
        link: str | None = None,
        expires: str | None = None,
    ) -> ServedEntry:
        """List an entry (newest first, as feeds do), its document a CAP sample from tests/data or given bytes."""
        if document is None:
            document = (CAP_SAMPLES / (sample or "cwb.gov.tw_thunderstorm_20190821144515_000.xml")).read_bytes()
        safe = "".join(c if c.isalnum() else "-" for c in entry_id)
        entry = ServedEntry(entry_id=entry_id, path=f"/cap/{safe}.cap", document=document, link=link, expires=expires)
        with self._lock:
            self.entries.insert(0, entry)
            # The feed's Last-Modified moves on by a second, as a changed file's does.
            self.changed_at += timedelta(seconds=1)
        return entry

    def fail(self, path: str, fault: Fault) -> None:
        self.faults[path] = fault

    def heal(self) -> None:
        self.faults.clear()

    def count(self, path: str) -> int:
        with self._lock:
            return self.hits[path]

    # ------------------------------------------------------------------------- what is served

    def link_of(self, entry: ServedEntry) -> str:
        return entry.link if entry.link is not None else self.url(entry.path)

    def atom(self) -> bytes:
        parts = [
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">',
            "<id>https://alerts.example.tw/feed</id><title>示警</title>",
            f"<updated>{self.changed_at.isoformat()}</updated>",
        ]
        for entry in self.entries:
            parts.append(
                f"<entry><id>{escape(entry.entry_id)}</id><title>示警 {escape(entry.entry_id)}</title>"
                f"<updated>{entry.updated}</updated>"
                f'<link rel="alternate" type="text/html" href="{self.url("/page.html")}"/>'
                f"<link href={quoteattr(self.link_of(entry))}/>"
                + (f"<cap:expires>{entry.expires}</cap:expires>" if entry.expires else "")
                + "</entry>"
            )
        parts.append("</feed>")
        return "".join(parts).encode()

    def json_link(self, href: str) -> object:
        if self.json_links == "string":
            return href
        if self.json_links == "@href":
            return {"@href": href}
        if self.json_links == "list":
            return [{"href": self.url("/page.html"), "rel": "alternate", "type": "text/html"}, {"href": href}]
        return {"href": href}

    def json_feed(self) -> bytes:
        entries = [
            {
                "id": entry.entry_id,
                "updated": entry.updated,
                "link": self.json_link(self.link_of(entry)),
                **({"expires": entry.expires} if entry.expires else {}),
            }
            for entry in self.entries
        ]
        shaped: object = {"entry": entries}
        if self.json_shape == "feed":
            shaped = {"feed": {"title": "示警", "entry": entries}}
        elif self.json_shape == "list":
            shaped = entries
        return json.dumps(shaped, ensure_ascii=False).encode()

    def body_for(self, path: str) -> tuple[bytes, str] | None:
        with self._lock:
            if path == ATOM:
                return self.atom(), "application/atom+xml; charset=utf-8"
            if path == JSON:
                return self.json_feed(), "application/json; charset=utf-8"
            if path in self.pages:
                return self.pages[path], "application/xml"
            for entry in self.entries:
                if entry.path == path:
                    return entry.document, "application/octet-stream"
        return None

    def etag(self, body: bytes) -> str:
        return f'"{hashlib.sha256(body).hexdigest()[:16]}"'

    def unchanged(self, headers, body: bytes) -> bool:
        if self.etags and headers.get("If-None-Match") is not None:
            return headers["If-None-Match"] == self.etag(body)
        since = headers.get("If-Modified-Since")
        if since:
            try:
                return self.changed_at <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False


def start(feeds: FeedServer) -> FeedServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = urlsplit(self.path).path
            with feeds._lock:
                feeds.hits[path] += 1
            fault = feeds.faults.get(path)
            try:
                if fault is Fault.CLOSE:
                    self.close_connection = True
                    return
                if fault is Fault.SLOW:
                    time.sleep(feeds.slow_s)
                if fault is Fault.ERROR:
                    self.answer(500, b"Internal Server Error", "text/plain")
                elif fault is Fault.HTML:
                    self.answer(200, HTML_PAGE, "text/html; charset=utf-8")
                elif fault is Fault.HUGE:
                    self.huge()
                else:
                    self.serve(path)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading, as it should past its limit or timeout

        def serve(self, path: str) -> None:
            if path in feeds.redirects:
                self.send_response(302)
                self.send_header("Location", feeds.redirects[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            found = feeds.body_for(path)
            if found is None:
                self.answer(404, b"Not Found", "text/plain")
                return
            body, content_type = found
            if path in (ATOM, JSON) and feeds.unchanged(self.headers, body):
                with feeds._lock:
                    feeds.not_modified[path] += 1
                self.send_response(304)
                if feeds.etags:
                    self.send_header("ETag", feeds.etag(body))
                self.end_headers()
                return
            extra = {"Last-Modified": format_datetime(feeds.changed_at, usegmt=True)} if path in (ATOM, JSON) else {}
            if path in (ATOM, JSON) and feeds.etags:
                extra["ETag"] = feeds.etag(body)
            self.answer(200, body, content_type, extra)

        def answer(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def huge(self) -> None:
            self.send_response(200)  # HTTP/1.0 without a length: the body ends when the connection closes
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            block = b"<" * (64 * 1024)
            for _ in range(HUGE_BYTES // len(block)):
                self.wfile.write(block)

        def log_message(self, *args: object) -> None:
            pass

    feeds.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    feeds.server.daemon_threads = True
    serve_in_background(feeds.server)
    return feeds


def stop(feeds: FeedServer) -> None:
    if feeds.server is not None:
        feeds.server.shutdown()
        feeds.server.server_close()


@pytest.fixture
def feed_server():
    feeds = start(FeedServer())
    yield feeds
    stop(feeds)
