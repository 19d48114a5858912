"""What a feed's entries lead to: documents too large, links to other hosts and redirects, expiries the feed
states, the JSON feed's shapes, ids too long to keep."""

from __future__ import annotations

import hashlib

import pytest

from bot.ingest.settings import FeedSettings
from ingest.feeds import PollStatus
from tests.ingest.conftest import MB, atom_feed, json_feed, recorded
from tests.support.feed_server import Fault


def test_oversize_documents_are_refused(feed_server, poller, receiver):
    feed_server.add("BIG", document=b"<alert>" + b" " * (2 * MB) + b"</alert>")  # says its length
    streamed = feed_server.add("STREAMED")
    feed_server.fail(streamed.path, Fault.HUGE)  # no length: the read stops at the limit
    feed_server.add("SMALL")

    report = poller(max_bytes=MB).poll(atom_feed(feed_server))

    assert (report.status, report.fetched, report.left) == (PollStatus.FETCHED, 1, 2)
    assert report.problems == [
        f"entry 'STREAMED': the answer is larger than the limit of {MB} bytes",
        f"entry 'BIG': the answer is {2 * MB + 15} bytes; the limit is {MB}",
    ]
    assert receiver.origins == ["thunderstorm: SMALL"]


def test_links_to_other_hosts_are_not_fetched(feed_server, poller, receiver, session_factory):
    elsewhere = feed_server.add("OTHER")
    elsewhere.link = f"http://localhost:{feed_server.port}{elsewhere.path}"  # the same server, another name
    feed_server.add("FILE", link="file:///etc/passwd")
    feed_server.add("NONE", link="")
    feed_server.add("HERE")

    report = poller().poll(atom_feed(feed_server))

    assert (report.fetched, report.refused, report.left) == (1, 3, 0)
    assert report.problems == [
        "entry 'NONE': the entry has no link",
        "entry 'FILE': not an http(s) link: 'file:///etc/passwd'",
        "entry 'OTHER': the link's host 'localhost' is not the feed's nor an allowed one",
    ]
    assert feed_server.count(elsewhere.path) == 0
    assert receiver.origins == ["thunderstorm: HERE"]
    assert set(recorded(session_factory, "thunderstorm")) == {"HERE"}

    allowing = poller(allowed_hosts=["LocalHost"]).poll(atom_feed(feed_server))
    assert (allowing.fetched, allowing.refused) == (1, 2) and feed_server.count(elsewhere.path) == 1


def test_redirects_are_followed_only_to_allowed_hosts(feed_server, poller, receiver):
    moved = feed_server.add("MOVED")
    away = feed_server.add("AWAY")
    feed_server.redirects[moved.path] = "/cap/moved-here.cap"
    feed_server.pages["/cap/moved-here.cap"] = moved.document
    feed_server.redirects[away.path] = f"http://localhost:{feed_server.port}/cap/moved-here.cap"

    report = poller().poll(atom_feed(feed_server))

    assert (report.fetched, report.refused) == (1, 1)
    assert report.problems == ["entry 'AWAY': the link's host 'localhost' is not the feed's nor an allowed one"]
    assert receiver.origins == ["thunderstorm: MOVED"] and feed_server.count("/cap/moved-here.cap") == 1


# ----------------------------------------------------------------------------- expiry and JSON shapes


@pytest.mark.parametrize("make_feed", [atom_feed, json_feed])
def test_an_entry_is_skipped_as_expired_only_when_the_feed_says_so(feed_server, poller, receiver, make_feed):
    past = feed_server.add("PAST", expires="2026-07-01T15:00:00+08:00")  # 07:00 UTC: an hour ago
    feed_server.add("FUTURE", expires="2026-07-01T17:00:00+08:00")
    feed_server.add("NAIVE-PAST", expires="2026-07-01T15:59:00")  # no zone: Taiwan's time
    feed_server.add("UNSTATED")
    feed_server.add("UNREADABLE", expires="tomorrow")

    report = poller().poll(make_feed(feed_server))

    assert (report.fetched, report.expired) == (3, 2)
    assert sorted(origin.split(": ")[1] for origin in receiver.origins) == ["FUTURE", "UNREADABLE", "UNSTATED"]
    assert feed_server.count(past.path) == 0


@pytest.mark.parametrize(
    ("shape", "links"),
    [("entry", "href"), ("entry", "@href"), ("feed", "string"), ("feed", "list"), ("list", "href"), ("list", "string")],
)
def test_json_feed_shapes(feed_server, poller, receiver, session_factory, shape, links):
    first = feed_server.add("J-1", sample="CWB-TSU10401001.xml")
    feed_server.add("J-2")
    feed_server.json_shape, feed_server.json_links = shape, links

    report = poller().poll(json_feed(feed_server))

    assert (report.status, report.fetched, report.problems) == (PollStatus.FETCHED, 2, [])
    assert {origin: document for document, origin in receiver.documents}["thunderstorm-json: J-1"] == first.document
    assert feed_server.count("/page.html") == 0  # the HTML alternate link is not the document
    assert set(recorded(session_factory, "thunderstorm-json")) == {"J-1", "J-2"}


def test_a_json_feed_with_one_entry_as_an_object_and_odd_ids(feed_server, poller, receiver):
    entry = feed_server.add("ONE")
    feed_server.pages["/one.json"] = (
        f'{{"feed": {{"entry": {{"id": {{"#text": "ONE"}}, "link": {{"@href": "{entry.path}"}}}}}}}}'
    ).encode()
    feed_server.pages["/numbers.json"] = (
        f'[{{"id": 42, "link": "{entry.path}"}}, {{"id": true, "link": "{entry.path}"}}, "junk"]'
    ).encode()

    assert poller().poll(FeedSettings(name="one", url=feed_server.url("/one.json"), format="json")).fetched == 1
    numbers = poller().poll(FeedSettings(name="numbers", url=feed_server.url("/numbers.json"), format="json"))
    assert numbers.fetched == 1
    assert numbers.problems == [
        "entry 2 of the JSON feed has no id: skipped",
        "entry 3 of the JSON feed is a str, not an object: skipped",
    ]
    assert receiver.origins == ["one: ONE", "numbers: 42"]


def test_a_long_entry_id_is_kept_as_its_digest(feed_server, poller, receiver, session_factory):
    long_id = "tag:alerts.example.tw," + "x" * 400
    feed_server.add(long_id)
    polling = poller()
    assert polling.poll(atom_feed(feed_server)).fetched == 1
    assert list(recorded(session_factory, "thunderstorm")) == ["sha256:" + hashlib.sha256(long_id.encode()).hexdigest()]
    assert len(receiver.origins[0]) == 300
    feed_server.add("NEXT")
    assert polling.poll(atom_feed(feed_server)).seen == 1
