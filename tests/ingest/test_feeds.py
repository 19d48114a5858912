"""Polling the platform's feeds against a local feed server, on a migrated database, with a fake clock: new
entries, seen ones, conditional GETs, failures and backoff, entries left for the next poll."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ingest.settings import FeedSettings
from ingest.feeds import PollStatus, backoff_s
from tests.ingest.conftest import MB, START, Crash, atom_feed, json_feed, recorded, state
from tests.support.feed_server import ATOM, JSON, Fault

# ----------------------------------------------------------------------------- new, seen, not modified


def test_new_entries_are_delivered_once_and_a_304_fetches_nothing(feed_server, poller, receiver, session_factory):
    first = feed_server.add("CWB-EQ-1", sample="cwb.gov.tw_thunderstorm_20190821144515_000.xml")
    second = feed_server.add("CWB-EQ-2", sample="CWB-TSU10401001.xml")
    feed = atom_feed(feed_server)
    polling = poller()

    report = polling.poll(feed)

    assert (report.status, report.fetched, report.seen, report.error) == (PollStatus.FETCHED, 2, 0, None)
    assert sorted(receiver.origins) == ["thunderstorm: CWB-EQ-1", "thunderstorm: CWB-EQ-2"]
    assert {origin: document for document, origin in receiver.documents}["thunderstorm: CWB-EQ-2"] == second.document
    assert feed_server.count(first.path) == feed_server.count(second.path) == 1
    ids = recorded(session_factory, "thunderstorm")
    assert set(ids) == {"CWB-EQ-1", "CWB-EQ-2"} and all(ids.values())  # each tied to its IncomingAlert
    assert state(session_factory, "thunderstorm").etag

    again = polling.poll(feed)

    assert again.status == PollStatus.NOT_MODIFIED and again.fetched == 0
    assert feed_server.not_modified[ATOM] == 1
    assert feed_server.count(first.path) == feed_server.count(second.path) == 1
    assert len(receiver.documents) == 2


def test_last_modified_alone_makes_the_get_conditional(feed_server, poller, session_factory):
    feed_server.etags = False
    feed_server.add("A-1")
    polling = poller()
    assert polling.poll(atom_feed(feed_server)).fetched == 1
    assert state(session_factory, "thunderstorm").etag is None
    assert polling.poll(atom_feed(feed_server)).status == PollStatus.NOT_MODIFIED


def test_an_entry_listed_again_in_a_changed_feed_is_not_fetched_again(feed_server, poller, receiver):
    old = feed_server.add("A-1")
    polling = poller()
    polling.poll(atom_feed(feed_server))
    new = feed_server.add("A-2", sample="CWB-TSU10401001.xml")  # the feed changes; A-1 stays listed

    report = polling.poll(atom_feed(feed_server))

    assert (report.status, report.fetched, report.seen) == (PollStatus.FETCHED, 1, 1)
    assert feed_server.count(old.path) == 1 and feed_server.count(new.path) == 1
    assert receiver.origins == ["thunderstorm: A-1", "thunderstorm: A-2"]


def test_the_same_entry_in_two_feeds_is_each_feed_s_own(feed_server, poller, receiver):
    feed_server.add("A-1")
    polling = poller()
    polling.poll(atom_feed(feed_server))
    assert polling.poll(json_feed(feed_server)).fetched == 1  # a second source for the same alert type
    assert receiver.origins == ["thunderstorm: A-1", "thunderstorm-json: A-1"]


# ----------------------------------------------------------------------------- failures and backoff


def test_a_failing_feed_backs_off_longer_each_time_and_success_resets_it(
    feed_server, poller, clock, session_factory, caplog
):
    feed_server.add("A-1")
    feed_server.fail(ATOM, Fault.ERROR)
    feed = atom_feed(feed_server, every_s=60)
    polling = poller()

    report = polling.poll(feed)
    assert (report.status, report.error) == (PollStatus.FAILED, "the feed: HTTP 500 from 127.0.0.1")
    first = state(session_factory, "thunderstorm")
    assert (first.failures, first.retry_at, first.last_error) == (1, START + timedelta(seconds=120), report.error)
    assert [r.getMessage() for r in caplog.records if "thunderstorm" in r.getMessage()] == [
        "feed thunderstorm failed (1 in a row), next try after 2026-07-01T08:02:00+00:00: "
        "the feed: HTTP 500 from 127.0.0.1"
    ]

    clock.advance(60)  # before its retry time: not asked at all
    waiting = polling.poll(feed)
    assert (waiting.status, waiting.error) == (PollStatus.BACKING_OFF, report.error)
    assert feed_server.count(ATOM) == 1

    clock.advance(60)
    assert polling.poll(feed).status == PollStatus.FAILED
    second = state(session_factory, "thunderstorm")
    assert (second.failures, second.retry_at) == (2, clock.now + timedelta(seconds=240))

    feed_server.heal()
    clock.advance(240)
    assert polling.poll(feed).fetched == 1
    healed = state(session_factory, "thunderstorm")
    assert (healed.failures, healed.retry_at, healed.last_error, healed.polled_at) == (0, None, None, clock.now)


def test_backoff_stops_growing_at_half_an_hour():
    assert [backoff_s(60, failures) for failures in (1, 2, 3, 4, 5, 50, 5000)] == [120, 240, 480, 960, 1800, 1800, 1800]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.ERROR, "the feed: HTTP 500 from 127.0.0.1"),
        (Fault.CLOSE, "the feed: could not reach 127.0.0.1: "),
        (Fault.SLOW, "the feed: no answer from 127.0.0.1 within 0.5 s"),
        (Fault.HTML, "the feed: the feed is an HTML page, not a feed (an error page?)"),
        (Fault.HUGE, f"the feed: the answer is larger than the limit of {MB} bytes"),
    ],
)
@pytest.mark.parametrize("feed_format", ["atom", "json"])
def test_a_feed_that_cannot_be_read_is_a_failure_not_an_exception(
    feed_server, poller, receiver, session_factory, fault, error, feed_format
):
    feed_server.add("A-1")
    feed_server.slow_s = 2.0
    path = ATOM if feed_format == "atom" else JSON
    feed_server.fail(path, fault)
    feed = FeedSettings(name="f", url=feed_server.url(path), format=feed_format, every_s=60)

    report = poller(timeout_s=0.5).poll(feed)

    assert report.status == PollStatus.FAILED
    assert report.error.startswith(error), report.error
    assert len(report.error) < 300
    assert receiver.documents == []
    assert state(session_factory, "f").failures == 1


@pytest.mark.parametrize(
    ("page", "feed_format", "error"),
    [
        (b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>", "atom", "the feed: the feed is not well-formed XML"),
        (b"<rss version='2.0'><channel/></rss>", "atom", "the feed: not an Atom feed: the root element is <rss>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>&b;</id></entry></feed>",
            "atom",
            "the feed: the feed declares a DTD or entities",
        ),
        (b'{"entry": [', "json", "the feed: the feed is not JSON"),
        (b'{"items": []}', "json", 'the feed: the JSON feed has no "entry" list (its keys: items)'),
        (b'{"entry": "none"}', "json", "the feed: the JSON feed's entries are a str, not a list"),
        (b"[" * 100_000 + b"]" * 100_000, "json", "the feed: the feed is JSON nested too deeply to read"),
    ],
)
def test_an_unreadable_feed_says_what_is_wrong(feed_server, poller, page, feed_format, error):
    feed_server.pages["/odd"] = page
    report = poller().poll(FeedSettings(name="odd", url=feed_server.url("/odd"), format=feed_format))
    assert report.status == PollStatus.FAILED
    assert report.error.startswith(error), report.error


def test_a_bad_entry_is_skipped_and_the_others_fetched(feed_server, poller, receiver):
    good = feed_server.add("A-1")
    feed_server.pages["/partly"] = (
        "<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>no id</title></entry>"
        f"<entry><id>A-1</id><link href='{good.path}'/></entry></feed>"
    ).encode()  # a relative link

    report = poller().poll(FeedSettings(name="partly", url=feed_server.url("/partly")))

    assert report.fetched == 1 and report.problems == ["entry 1 of the feed has no id: skipped"]
    assert receiver.origins == ["partly: A-1"]


# ----------------------------------------------------------------------------- entries left for the next poll


def test_a_failing_delivery_leaves_the_entry_to_the_next_poll(feed_server, poller, receiver, session_factory):
    stuck = feed_server.add("A-1")
    feed_server.add("A-2")
    receiver.failing.add("thunderstorm: A-1")
    polling = poller()

    report = polling.poll(atom_feed(feed_server))

    assert (report.status, report.fetched, report.left) == (PollStatus.FETCHED, 1, 1)
    assert report.problems == ["entry 'A-1': delivering it failed: the database is busy"]
    assert set(recorded(session_factory, "thunderstorm")) == {"A-2"}
    assert state(session_factory, "thunderstorm").etag is None  # so the next GET is not answered 304

    receiver.failing.clear()
    again = polling.poll(atom_feed(feed_server))

    assert (again.status, again.fetched, again.seen, again.left) == (PollStatus.FETCHED, 1, 1, 0)
    assert feed_server.not_modified[ATOM] == 0 and feed_server.count(stuck.path) == 2
    assert receiver.origins == ["thunderstorm: A-2", "thunderstorm: A-1"]
    assert polling.poll(atom_feed(feed_server)).status == PollStatus.NOT_MODIFIED  # all done: validators kept


def test_a_crash_mid_feed_refetches_only_what_was_not_recorded(feed_server, poller, receiver, session_factory):
    for entry_id in ("A-1", "A-2", "A-3"):
        feed_server.add(entry_id)  # listed newest first
    receiver.crash_on = "thunderstorm: A-2"
    with pytest.raises(Crash):
        poller().poll(atom_feed(feed_server))
    assert set(recorded(session_factory, "thunderstorm")) == {"A-3"}

    receiver.crash_on = None
    report = poller().poll(atom_feed(feed_server))  # the restarted process

    assert (report.fetched, report.seen) == (2, 1)
    assert receiver.origins == ["thunderstorm: A-3", "thunderstorm: A-2", "thunderstorm: A-1"]


def test_an_unreachable_document_host_stops_the_poll_and_backs_off(
    feed_server, poller, receiver, clock, session_factory
):
    feed_server.add("A-1")
    dropped = feed_server.add("A-2")
    later = feed_server.add("A-3")  # listed first
    feed_server.fail(dropped.path, Fault.CLOSE)
    polling = poller()

    report = polling.poll(atom_feed(feed_server))

    assert (report.status, report.fetched, report.left) == (PollStatus.FAILED, 1, 1)
    assert report.error.startswith("entry 'A-2': could not reach 127.0.0.1")
    assert feed_server.count(later.path) == 1 and receiver.origins == ["thunderstorm: A-3"]
    failed = state(session_factory, "thunderstorm")
    assert (failed.failures, failed.etag) == (1, None)

    feed_server.heal()
    clock.advance(120)
    again = polling.poll(atom_feed(feed_server))
    assert (again.status, again.fetched, again.seen) == (PollStatus.FETCHED, 2, 1)
    assert state(session_factory, "thunderstorm").failures == 0
