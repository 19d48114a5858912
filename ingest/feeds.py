"""Polling the national platform's feeds: each new entry's ``.cap`` document fetched once and delivered.

Feeds are history buffers that keep listing old alerts, so what was fetched is remembered per feed
(``FeedEntry``) and an entry is fetched only while it is not. An entry is recorded only once its document was
delivered, each in its own transaction: a crash mid-feed, a failed fetch or a failed delivery leaves the rest to
the next poll (a document delivered twice is the receiver's duplicate, which its alert keys make a no-op).
Conditional GETs spare the platform; a feed that fails waits longer each time, up to half an hour.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import urljoin

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.feed_read import FeedError, FeedItem, read_feed
from ingest.fetch import FetchError, FetchProblem, fetch, host_of
from ingest.models import FeedEntry, FeedState

log = logging.getLogger("civicast.ingest.feeds")

FEED_JOB = "cap-feed:{}"  # the scheduler's job id for polling a feed, by the feed's name
MAX_BACKOFF_S = 30 * 60
MAX_ENTRY_ID = 300  # FeedEntry.entry_id's length
MAX_ORIGIN = 300  # IncomingAlert.origin's length
MAX_ERROR = 500


class FeedSource(Protocol):
    """What the poller needs of a feed (``bot.ingest.settings.FeedSettings`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def format(self) -> str: ...  # "atom" or "json"

    @property
    def every_s(self) -> float: ...


class PollStatus(StrEnum):
    FETCHED = "fetched"  # the feed was read; its new entries were fetched (some may be left for the next poll)
    NOT_MODIFIED = "not_modified"  # the platform answered 304: nothing new
    BACKING_OFF = "backing_off"  # not polled: the feed failed and its retry time has not come
    FAILED = "failed"  # the feed, or its documents' host, could not be reached or read


@dataclass
class PollReport:
    feed: str
    status: PollStatus
    fetched: int = 0  # new entries whose documents were delivered
    seen: int = 0  # entries skipped as fetched before
    expired: int = 0  # entries skipped because the feed says they expired
    left: int = 0  # entries not fetched or not delivered this time, tried again at the next poll
    refused: int = 0  # entries whose link is not one to follow (another host, not http, none), never fetched
    problems: list[str] = field(default_factory=list)  # one line per entry left or refused
    error: str | None = None  # why the poll failed or backs off


# ----------------------------------------------------------------------------- data access


def feed_state(session: Session, name: str) -> FeedState:
    """The feed's state, added when the feed is new."""
    state = session.get(FeedState, name)
    if state is None:
        state = FeedState(name=name, failures=0)
        session.add(state)
    return state


def seen_entries(session: Session, feed: str, entry_ids: Iterable[str]) -> set[str]:
    """Those of ``entry_ids`` already fetched from ``feed``."""
    wanted = list(set(entry_ids))
    seen: set[str] = set()
    for start in range(0, len(wanted), 500):
        seen.update(
            session.scalars(
                select(FeedEntry.entry_id).where(
                    FeedEntry.feed == feed, FeedEntry.entry_id.in_(wanted[start : start + 500])
                )
            )
        )
    return seen


def record_entry(session: Session, feed: str, entry_id: str, *, fetched_at: datetime, incoming_id: int | None) -> None:
    if session.get(FeedEntry, (feed, entry_id)) is None:
        session.add(FeedEntry(feed=feed, entry_id=entry_id, fetched_at=fetched_at, incoming_id=incoming_id))


def entry_key(entry_id: str) -> str:
    """The entry's id as stored: an id too long for the column is kept as its digest."""
    if len(entry_id) <= MAX_ENTRY_ID:
        return entry_id
    return "sha256:" + hashlib.sha256(entry_id.encode()).hexdigest()


def backoff_s(every_s: float, failures: int) -> float:
    return min(every_s * 2 ** min(failures, 20), MAX_BACKOFF_S)


# ----------------------------------------------------------------------------- the poller


@dataclass
class _Entries:
    report: PollReport
    unreachable: str | None = None  # the documents' host could not be reached: the poll stops and backs off


class FeedPoller:
    """Polls feeds. ``deliver(document, origin)`` receives each new entry's ``.cap`` bytes and where they came
    from (``"<feed name>: <entry id>"``); what it returns, when an int, is recorded as the entry's
    ``incoming_id`` (the ``IncomingAlert`` made from it). ``clock`` returns an aware datetime."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        http: requests.Session,
        *,
        deliver: Callable[[bytes, str], object],
        clock: Callable[[], datetime],
        timeout_s: float,
        max_bytes: int,
        allowed_hosts: Collection[str] = (),
    ) -> None:
        self.session_factory = session_factory
        self.http = http
        self.deliver = deliver
        self.clock = clock
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        self._told: set[tuple[str, str, str]] = set()  # entry problems logged, so a lingering one logs once

    def poll(self, feed: FeedSource) -> PollReport:
        """Poll one feed. Network and feed problems come back in the report (and back the feed off); they are
        never raised."""
        now = self.clock()
        with self.session_factory() as session:
            state = session.get(FeedState, feed.name)
            etag, last_modified = (state.etag, state.last_modified) if state else (None, None)
            retry_at, last_error = (state.retry_at, state.last_error) if state else (None, None)
        if retry_at is not None and retry_at > now:
            return PollReport(feed.name, PollStatus.BACKING_OFF, error=last_error)
        headers = {
            name: value for name, value in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if value
        }
        hosts = self.allowed_hosts | {host_of(feed.url)}
        try:
            answer = fetch(
                self.http,
                feed.url,
                allowed_hosts=hosts,
                timeout_s=self.timeout_s,
                max_bytes=self.max_bytes,
                headers=headers,
            )
            if answer.status == 304:
                self._succeeded(feed, now, validators=(etag, last_modified))
                return PollReport(feed.name, PollStatus.NOT_MODIFIED)
            contents = read_feed(answer.body, feed.format, max_bytes=self.max_bytes)
        except (FetchError, FeedError) as exc:
            return self._failed(feed, now, f"the feed: {exc}", PollReport(feed.name, PollStatus.FAILED))
        entries = self._take(feed, contents.items, now, hosts)
        report = entries.report
        report.problems[:0] = [f"{problem}: skipped" for problem in contents.problems]
        for problem in contents.problems:
            self._tell(feed.name, "", problem)
        if entries.unreachable:
            return self._failed(feed, now, entries.unreachable, report)
        # Validators are kept only when every entry was dealt with: a conditional GET must not hide the entries
        # left, nor the refused ones from a poller since allowed to follow them.
        complete = not report.left and not report.refused
        self._succeeded(feed, now, validators=(answer.etag, answer.last_modified) if complete else (None, None))
        return report

    def _take(self, feed: FeedSource, items: list[FeedItem], now: datetime, hosts: frozenset[str]) -> _Entries:
        entries = _Entries(PollReport(feed.name, PollStatus.FETCHED))
        report = entries.report
        with self.session_factory() as session:
            seen = seen_entries(session, feed.name, (entry_key(item.entry_id) for item in items))
        for item in items:
            key = entry_key(item.entry_id)
            if key in seen:
                report.seen += 1
                continue
            if item.expires is not None and item.expires <= now:
                report.expired += 1
                continue
            try:
                if item.link is None:
                    raise FetchError("the entry has no link", FetchProblem.REFUSED)
                document = fetch(
                    self.http,
                    urljoin(feed.url, item.link),
                    allowed_hosts=hosts,
                    timeout_s=self.timeout_s,
                    max_bytes=self.max_bytes,
                ).body
            except FetchError as exc:
                if exc.problem is FetchProblem.UNREACHABLE:
                    report.left += 1
                    entries.unreachable = f"entry {item.entry_id!r}: {exc}"
                    return entries
                if exc.problem is FetchProblem.REFUSED:
                    report.refused += 1
                else:
                    report.left += 1
                report.problems.append(f"entry {item.entry_id!r}: {exc}")
                self._tell(feed.name, key, str(exc))
                continue
            origin = f"{feed.name}: {item.entry_id}"[:MAX_ORIGIN]
            try:
                delivered = self.deliver(document, origin)
            except Exception as exc:
                # Not recorded: the entry is fetched and delivered again at the next poll.
                report.left += 1
                report.problems.append(f"entry {item.entry_id!r}: delivering it failed: {str(exc)[:200]}")
                self._tell(feed.name, key, f"delivering it failed: {type(exc).__name__}", with_traceback=True)
                continue
            incoming_id = delivered if isinstance(delivered, int) and not isinstance(delivered, bool) else None
            with self.session_factory.begin() as session:
                record_entry(session, feed.name, key, fetched_at=now, incoming_id=incoming_id)
            seen.add(key)
            report.fetched += 1
        return entries

    def _succeeded(self, feed: FeedSource, now: datetime, *, validators: tuple[str | None, str | None]) -> None:
        etag, last_modified = validators
        with self.session_factory.begin() as session:
            state = feed_state(session, feed.name)
            if state.failures:
                log.info("feed %s answers again after %d failures", feed.name, state.failures)
            state.etag = etag if etag and len(etag) <= 300 else None
            state.last_modified = last_modified if last_modified and len(last_modified) <= 100 else None
            state.polled_at = now
            state.failures = 0
            state.retry_at = None
            state.last_error = None

    def _failed(self, feed: FeedSource, now: datetime, error: str, report: PollReport) -> PollReport:
        error = error if len(error) <= MAX_ERROR else error[: MAX_ERROR - 3] + "..."
        with self.session_factory.begin() as session:
            state = feed_state(session, feed.name)
            state.failures += 1
            state.retry_at = now + timedelta(seconds=backoff_s(feed.every_s, state.failures))
            state.last_error = error
            state.polled_at = now
            if report.left:  # entries were left: the next poll must get the whole feed, not a 304
                state.etag = state.last_modified = None
            failures, retry_at = state.failures, state.retry_at
        log.warning(
            "feed %s failed (%d in a row), next try after %s: %s",
            feed.name,
            failures,
            retry_at.isoformat(timespec="seconds"),
            error,
        )
        report.status = PollStatus.FAILED
        report.error = error
        return report

    def _tell(self, feed: str, key: str, problem: str, *, with_traceback: bool = False) -> None:
        """Log an entry's problem the first time this process meets it: a feed lists an entry for days."""
        if (feed, key, problem) in self._told:
            return
        self._told.add((feed, key, problem))
        if with_traceback:
            log.error("feed %s, entry %r: %s", feed, key, problem, exc_info=True)
        else:
            log.warning("feed %s%s: %s", feed, f", entry {key!r}" if key else "", problem)
