"""Through the real app: a pushed national alert reaches residents in their language, or only test recipients,
is cancelled by a Cancel that carries only references, and is sent once however often it arrives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.office.models import AuditEntry
from ingest.models import Outcome
from messages.i18n import LANGUAGES, TAIPEI
from messages.models import MsgType, Notice, NoticeStatus
from tests.support.cap_documents import cancel, earthquake, reference
from tests.support.ingest_stack import IngestStack

RULE = "rule:earthquake intensity 4 or more"


@pytest.fixture
def ingest(tmp_path, database_url, engine):
    stack = IngestStack(tmp_path, database_url)
    yield stack
    stack.close()


def now_in_taipei() -> datetime:
    return datetime.now(UTC).astimezone(TAIPEI).replace(microsecond=0) - timedelta(minutes=2)


def message_text(message: dict) -> str:
    """All the text a resident sees in a LINE message (a Flex bubble's texts and its alt text)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "altText") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message)
    return "\n".join(found)


def test_an_earthquake_of_intensity_4_reaches_every_language_with_its_epicentre(ingest):
    residents = {f"U{index:032x}": language for index, language in enumerate(LANGUAGES)}
    ingest.add_residents(residents)
    origin = now_in_taipei()
    assert ingest.push(earthquake("CWA-EQ-1", origin)).status_code == 200
    ingest.settle()
    [row] = ingest.incoming()
    assert (row.outcome, row.kind, row.rule) == (Outcome.SENT, "earthquake_report", "earthquake intensity 4 or more")
    glossary = ingest.services.glossary
    for user, language in residents.items():
        [message] = ingest.wait_for_messages(user, 1)
        text = message_text(message["message"])
        assert glossary.name("quake_reference", "hualien_county_hall", language) in text, (language, text)
        bearing = ingest.services.catalogs.get(language, "messages").translate(
            "enum.compass_point.sse", "south-southeast"
        )
        assert bearing in text, (language, text)
        assert "25" in text and "6.2" in text.replace(",", ".")
    with ingest.services.session_factory() as session:
        notice = session.get_one(Notice, row.notice_id)
        assert (notice.author, notice.approver, notice.training) == (RULE, RULE, False)
        actions = [
            entry.action
            for entry in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_id == str(notice.id), AuditEntry.actor == RULE)
                .order_by(AuditEntry.id)
            )
        ]
        assert actions == ["compose", "submit", "approve", "send"]


def test_a_test_alert_of_an_auto_send_kind_reaches_no_ordinary_resident(ingest):
    ingest.add_residents({"U" + "a" * 32: "en"})
    ingest.add_residents({"U" + "b" * 32: "en"}, test_recipient=True)
    assert ingest.push(earthquake("CWA-EQ-DRILL", now_in_taipei(), status="Test")).status_code == 200
    ingest.settle()
    [row] = ingest.incoming()
    assert row.outcome == Outcome.TRAINING
    [message] = ingest.wait_for_messages("U" + "b" * 32, 1)
    assert "TEST" in message_text(message["message"])
    with ingest.services.session_factory() as session:
        assert session.get_one(Notice, row.notice_id).training is True
    assert ingest.inbox("U" + "a" * 32) == []


def test_a_cancel_with_only_references_cancels_and_is_never_a_positive_notice(ingest):
    user = "U" + "c" * 32
    ingest.add_residents({user: "en"})
    origin = now_in_taipei()
    ingest.push(earthquake("CWA-EQ-2", origin))
    ingest.settle()
    ingest.wait_for_messages(user, 1)
    ingest.push(cancel("CWA-EQ-2-cancel", origin + timedelta(minutes=1), reference("CWA-EQ-2", origin)))
    ingest.settle()
    first, cancelling = ingest.incoming()
    assert cancelling.outcome == Outcome.CANCELLED, cancelling.reason
    with ingest.services.session_factory() as session:
        notice = session.get_one(Notice, cancelling.notice_id)
        assert notice.msg_type == MsgType.CANCEL and notice.references_id == first.notice_id
        assert notice.status in (NoticeStatus.SENDING, NoticeStatus.SENT)
    messages = ingest.wait_for_messages(user, 2)
    assert "cancel" in message_text(messages[1]["message"]).lower()


def test_a_cancel_of_an_alert_civicast_never_acted_on_is_recorded_and_ignored(ingest):
    origin = now_in_taipei()
    ingest.push(cancel("CWA-X-cancel", origin, reference("CWA-X", origin)))
    ingest.settle()
    [row] = ingest.incoming()
    assert row.outcome == Outcome.IGNORED and row.notice_id is None


def test_the_same_alert_pushed_twice_is_sent_once(ingest):
    user = "U" + "d" * 32
    ingest.add_residents({user: "en"})
    document = earthquake("CWA-EQ-3", now_in_taipei())
    ingest.push(document)
    ingest.push(document)
    ingest.settle()
    first, again = ingest.incoming()
    assert first.outcome == Outcome.SENT and again.outcome == Outcome.DUPLICATE and again.duplicate_of == first.id
    ingest.wait_for_messages(user, 1)
    ingest.settle()
    assert len(ingest.inbox(user)) == 1


def test_an_expired_alert_is_recorded_and_never_sent(ingest):
    user = "U" + "e" * 32
    ingest.add_residents({user: "en"})
    ingest.push(earthquake("CWA-EQ-OLD", now_in_taipei() - timedelta(hours=3)))
    ingest.settle()
    [row] = ingest.incoming()
    assert row.outcome == Outcome.IGNORED and "expired" in row.reason and row.notice_id is None


def test_an_earthquake_below_the_rule_level_becomes_a_draft_for_officers(ingest):
    ingest.add_residents({"U" + "f" * 32: "en"})
    ingest.push(earthquake("CWA-EQ-SMALL", now_in_taipei(), kaohsiung="3級"))
    ingest.settle()
    [row] = ingest.incoming()
    assert row.outcome == Outcome.DRAFTED and row.rule == "everything else to the desk"
    with ingest.services.session_factory() as session:
        assert session.get_one(Notice, row.notice_id).status == NoticeStatus.DRAFT
    assert ingest.inbox("U" + "f" * 32) == []


def test_an_alert_pushed_and_then_polled_from_a_feed_is_sent_once(tmp_path, database_url, engine):
    from tests.support.feed_server import FeedServer, start, stop

    feeds = start(FeedServer())
    document = earthquake("CWA-EQ-FEED", now_in_taipei())
    feeds.add("CWA-EQ-FEED", document=document)
    stack = IngestStack(
        tmp_path,
        database_url,
        extra_config=(f"    feeds:\n      - {{name: earthquake, url: '{feeds.url('/feed.atom')}', format: atom}}\n"),
    )
    try:
        user = "U" + "9" * 32
        stack.add_residents({user: "en"})
        stack.push(document)
        stack.settle()
        [poll_feed] = stack.services.feed_jobs().values()
        report = poll_feed[0]()
        assert report.fetched == 1, report
        pushed, polled = stack.incoming()
        assert (pushed.source, pushed.outcome) == ("push", Outcome.SENT)
        assert (polled.source, polled.origin, polled.outcome) == ("poll", "earthquake: CWA-EQ-FEED", Outcome.DUPLICATE)
        stack.wait_for_messages(user, 1)
        assert poll_feed[0]().fetched == 0  # the feed still lists it: fetched once
        assert len(stack.inbox(user)) == 1
    finally:
        stack.close()
        stop(feeds)
