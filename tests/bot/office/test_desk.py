"""The workflow layer's rules, called as plain functions: a second officer for live notices (counted by who
changed and submitted them), training notices alone and in their own world, no empty sends, audit rows with the
change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from bot.office import desk, drafts
from bot.office.accounts import PermissionDenied
from bot.office.audit import entries
from bot.office.notice_rules import RuleRefused, Verb, allowed
from bot.office.preview import build_preview
from messages.models import MsgType, Notice, NoticeStatus
from messages.params import InvalidParameters
from scheduler.outbox import Delivery, DeliveryRecipients
from scheduler.sending import NoticeActionError
from tests.bot.office.conftest import (
    APPROVER,
    EDITOR,
    NOW,
    OTHER_EDITOR,
    SECOND_APPROVER,
    TEST_KEY_APPROVER,
    act,
    add_residents,
    approve,
    compose,
    status,
    submit,
    typhoon,
)
from tests.support.confirmed import CONFIRMED, confirmed

LINGYA = {f"U{n:032x}": ["lingya"] for n in range(1, 4)}
GUSHAN = {f"U{n:032x}": ["gushan"] for n in range(10, 12)}


def test_a_live_notice_needs_a_second_officer_with_the_approver_role(services):
    add_residents(services, LINGYA)
    notice_id = compose(services)
    with pytest.raises(NoticeActionError, match="submitted first"):
        approve(services, APPROVER, notice_id)
    submit(services, notice_id)
    with pytest.raises(PermissionDenied, match="approve needs another role"):
        approve(services, OTHER_EDITOR, notice_id)
    author_as_approver = APPROVER.__class__("ed-lin", APPROVER.role)
    with pytest.raises(RuleRefused, match="a live notice needs a second officer"):
        approve(services, author_as_approver, notice_id)
    with services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        assert not allowed(author_as_approver, notice, Verb.APPROVE) and allowed(APPROVER, notice, Verb.APPROVE)
    approve(services, APPROVER, notice_id)
    assert status(services, notice_id) == NoticeStatus.APPROVED
    with services.session_factory() as session:
        actions = [(e.actor, e.action) for e in entries(session, subject_type="notice", subject_id=notice_id)[0]]
    assert actions == [("ap-chen", "approve"), ("ed-lin", "submit"), ("ed-lin", "compose")]


def test_a_training_notice_may_be_approved_and_sent_by_its_author_and_reaches_only_test_recipients(services):
    add_residents(services, LINGYA)
    add_residents(services, {"U" + "f" * 32: []}, test_recipient=True)
    notice_id = compose(services, data=typhoon(fields={"training": True}))
    approve(services, EDITOR, notice_id)
    result = desk.send_notice_now(
        services.dispatch, EDITOR, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )
    assert result.recipients["line"] == {"en": 1}
    with services.session_factory() as session:
        recipients = session.scalars(select(DeliveryRecipients.recipients)).all()
    assert recipients == [["U" + "f" * 32]]


def test_nothing_goes_out_that_nobody_would_receive(services):
    add_residents(services, GUSHAN)
    notice_id = compose(services)  # Lingya: nobody follows it
    with pytest.raises(NoticeActionError, match="no recipients"):
        submit(services, notice_id)
    training_id = compose(services, data=typhoon(fields={"training": True}, districts=["all"]))
    approve(services, EDITOR, training_id)
    with pytest.raises(NoticeActionError, match="no recipients"):
        desk.send_notice_now(
            services.dispatch, EDITOR, training_id, channels=services.channel_limits, confirmation=CONFIRMED
        )
    assert build_preview(services, training_id).problems[0].startswith("no resident would receive")
    with services.session_factory() as session:
        assert session.scalar(select(Delivery.id)) is None


def test_a_test_key_makes_training_notices_and_cannot_approve_or_send_a_live_one(services):
    add_residents(services, LINGYA)
    key_notice = compose(services, actor=EDITOR.__class__("ed-lin", EDITOR.role, via="api", key_mode="test"))
    with services.session_factory() as session:
        made_with_key = session.get(Notice, key_notice)
        assert made_with_key.training is True and made_with_key.sandboxed is True
    # An officer who edits it in the console cannot take it out of the sandbox.
    act(services, drafts.edit_notice, services.composer, EDITOR, key_notice, typhoon())
    with services.session_factory() as session:
        assert session.get(Notice, key_notice).sandboxed is True and session.get(Notice, key_notice).training
    live_id = compose(services)
    test_key_editor = EDITOR.__class__("ed-huang", EDITOR.role, via="api", key_mode="test")
    with pytest.raises(RuleRefused, match="test keys act only on sandboxed notices"):
        act(services, drafts.edit_notice, services.composer, test_key_editor, live_id, typhoon())
    submit(services, live_id)
    with pytest.raises(RuleRefused, match="a live notice"):
        approve(services, TEST_KEY_APPROVER, live_id)
    approve(services, APPROVER, live_id)
    with pytest.raises(RuleRefused, match="a live notice"):
        desk.send_notice_now(
            services.dispatch, TEST_KEY_APPROVER, live_id, channels=services.channel_limits, confirmation=CONFIRMED
        )
    with pytest.raises(RuleRefused):
        act(
            services,
            desk.schedule_notice,
            TEST_KEY_APPROVER,
            live_id,
            at=NOW + timedelta(hours=1),
            cron=None,
            glossary=services.glossary,
            channels=services.channel_limits,
            **confirmed(services),
        )
    assert status(services, live_id) == NoticeStatus.APPROVED
    with services.session_factory() as session:
        assert session.get(Notice, live_id).sandboxed is False


def test_a_rejected_notice_says_why_and_goes_back_to_its_author(services):
    add_residents(services, LINGYA)
    notice_id = compose(services)
    submit(services, notice_id)
    with pytest.raises(NoticeActionError, match="say why"):
        act(services, desk.reject_notice, APPROVER, notice_id, "  ")
    act(services, desk.reject_notice, APPROVER, notice_id, "Landfall time is missing")
    with services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        assert (notice.status, notice.review_note) == (NoticeStatus.REJECTED, "Landfall time is missing")
    act(services, drafts.edit_notice, services.composer, EDITOR, notice_id, typhoon(landfall="2026-11-29T12:00"))
    assert status(services, notice_id) == NoticeStatus.DRAFT
    submit(services, notice_id)
    with services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        assert (notice.status, notice.review_note, notice.params["landfall"][:16]) == (
            NoticeStatus.SUBMITTED,
            None,
            "2026-11-29T12:00",
        )


def test_bad_fields_are_each_named_and_nothing_is_stored(services):
    with pytest.raises(InvalidParameters) as caught:
        compose(services, data=typhoon(intensity="apocalyptic", districts=["Atlantis"]))
    assert set(caught.value.errors) == {"intensity", "districts"}
    with services.session_factory() as session:
        assert session.scalar(select(Notice.id)) is None


def _send(services, notice_id):
    submit(services, notice_id)
    approve(services, APPROVER, notice_id)
    return desk.send_notice_now(
        services.dispatch, APPROVER, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )


def test_an_update_goes_to_those_who_received_the_original_and_refers_to_it_in_cap(services):
    add_residents(services, LINGYA)
    original = compose(services)
    _send(services, original)
    with services.session_factory.begin() as session:
        session.execute(Delivery.__table__.update().values(status="sent", sent_at=NOW))
        session.get(Notice, original).status = NoticeStatus.SENT
    add_residents(services, {"U" + "e" * 32: ["lingya"]})  # followed after the original went out
    with services.session_factory.begin() as session:
        with pytest.raises(NoticeActionError, match="keeps the kind"):
            drafts.issue_update(
                session, services.composer, EDITOR, original, drafts.NoticeInput("heavy_rain", {}), now=NOW
            )
        update_id = drafts.issue_update(
            session, services.composer, EDITOR, original, typhoon(intensity="moderate"), now=NOW
        ).id
    preview = build_preview(services, update_id)
    assert preview.total == len(LINGYA)
    root = etree.fromstring(preview.cap_xml.encode())
    namespace = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert root.findtext("cap:msgType", namespaces=namespace) == "Update"
    with services.session_factory() as session:
        identifier = session.get(Notice, original).identifier
    assert identifier in root.findtext("cap:references", namespaces=namespace)
    result = _send(services, update_id)
    assert sum(result.recipients["line"].values()) == len(LINGYA)
    with services.session_factory() as session:
        assert session.get(Notice, original).status == NoticeStatus.SUPERSEDED
        assert session.get(Notice, update_id).msg_type == MsgType.UPDATE


def test_cancelling_a_sent_live_notice_needs_a_second_officer_and_an_unsent_one_simply_stops(services):
    add_residents(services, LINGYA)
    draft = compose(services)
    with pytest.raises(PermissionDenied):
        desk.cancel_notice(services.dispatch, OTHER_EDITOR, draft)
    assert desk.cancel_notice(services.dispatch, EDITOR, draft).status == NoticeStatus.CANCELLED
    sent = compose(services)
    _send(services, sent)
    cancellation = desk.cancel_notice(services.dispatch, APPROVER, sent)
    assert cancellation.id != sent and cancellation.msg_type == MsgType.CANCEL
    assert (cancellation.references_id, cancellation.status) == (sent, NoticeStatus.SUBMITTED)
    assert status(services, sent) == NoticeStatus.SENDING  # one officer alone withdraws nothing
    with pytest.raises(RuleRefused, match="second officer"):
        approve(services, APPROVER, cancellation.id)
    approve(services, SECOND_APPROVER, cancellation.id)
    result = desk.send_notice_now(
        services.dispatch, SECOND_APPROVER, cancellation.id, channels=services.channel_limits, confirmation=CONFIRMED
    )
    assert "line" not in result.recipients  # nobody had received it yet: the Cancel reaches no resident
    with services.session_factory() as session:
        assert session.get(Notice, sent).status == NoticeStatus.CANCELLED
        summaries = [e.summary for e in entries(session, action="cancel")[0]]
    assert any(f"Cancel notice {cancellation.id} written" in (summary or "") for summary in summaries)


def test_scheduling_refuses_a_past_time_and_a_bad_cron(services):
    add_residents(services, LINGYA)
    notice_id = compose(services)
    submit(services, notice_id)
    approve(services, APPROVER, notice_id)
    schedule = {"glossary": services.glossary, "channels": services.channel_limits, **confirmed(services)}
    with pytest.raises(NoticeActionError, match="has passed"):
        act(services, desk.schedule_notice, APPROVER, notice_id, at=NOW - timedelta(minutes=1), cron=None, **schedule)
    with pytest.raises(NoticeActionError, match="not a cron expression"):
        act(services, desk.schedule_notice, APPROVER, notice_id, at=None, cron="every day", **schedule)
    act(services, desk.schedule_notice, APPROVER, notice_id, at=None, cron="0 7 * * mon", **schedule)
    with services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        assert (notice.status, notice.recurrence) == (NoticeStatus.SCHEDULED, "0 7 * * mon")
