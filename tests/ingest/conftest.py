"""The ingest tests' world: the local feed server, a fake clock, a receiver that stores what it is given as
ingest does, and pollers with a real ``requests.Session``."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from bot.ingest.settings import FeedSettings
from ingest.feeds import FeedPoller
from ingest.models import FeedEntry, FeedState, IncomingAlert
from tests.support.feed_server import ATOM, JSON, feed_server  # noqa: F401 - feed_server: a shared fixture

START = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
MB = 1024 * 1024


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Crash(BaseException):
    """The process dying mid-feed (not an Exception: nothing in the poller may catch it)."""


class Receiver:
    """The deliver callable: stores each document as an IncomingAlert, as ingest does, and returns its id."""

    def __init__(self, session_factory) -> None:
        self.session_factory = session_factory
        self.documents: list[tuple[bytes, str]] = []
        self.failing: set[str] = set()  # origins whose delivery raises
        self.crash_on: str | None = None

    def __call__(self, document: bytes, origin: str) -> int:
        if origin == self.crash_on:
            raise Crash
        if origin in self.failing:
            raise RuntimeError("the database is busy")
        self.documents.append((document, origin))
        with self.session_factory.begin() as session:
            alert = IncomingAlert(
                source="poll",
                origin=origin,
                digest=hashlib.sha256(document).hexdigest(),
                size=len(document),
                raw=document,
            )
            session.add(alert)
            session.flush()
            return alert.id

    @property
    def origins(self) -> list[str]:
        return [origin for _, origin in self.documents]


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def receiver(session_factory):
    return Receiver(session_factory)


@pytest.fixture
def poller(session_factory, receiver, clock):
    sessions: list[requests.Session] = []

    def make(*, timeout_s: float = 5.0, max_bytes: int = MB, allowed_hosts=()) -> FeedPoller:
        sessions.append(requests.Session())
        return FeedPoller(
            session_factory,
            sessions[-1],
            deliver=receiver,
            clock=clock,
            timeout_s=timeout_s,
            max_bytes=max_bytes,
            allowed_hosts=allowed_hosts,
        )

    yield make
    for session in sessions:
        session.close()


def atom_feed(server, name="thunderstorm", every_s=60.0) -> FeedSettings:
    return FeedSettings(name=name, url=server.url(ATOM), format="atom", every_s=every_s)


def json_feed(server, name="thunderstorm-json") -> FeedSettings:
    return FeedSettings(name=name, url=server.url(JSON), format="json", every_s=60)


def state(session_factory, name) -> FeedState:
    with session_factory() as session:
        return session.get(FeedState, name)


def recorded(session_factory, name) -> dict[str, int | None]:
    with session_factory() as session:
        return {
            entry.entry_id: entry.incoming_id
            for entry in session.scalars(select(FeedEntry).where(FeedEntry.feed == name))
        }
