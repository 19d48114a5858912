"""The rules the desk applies whatever the door: second officers counted by content, each notice in its world,
untranslated languages acknowledged, times and recurrences that make sense, the audit row with its change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.office import desk, drafts, notice_rules
from bot.office.accounts import PermissionDenied
from bot.office.models import AuditEntry
from bot.office.notice_rules import RuleRefused, allowed_actions
from messages.models import Notice, NoticeStatus
from messages.params import InvalidParameters
from scheduler import sending
from scheduler.fanout import NotDue
from scheduler.outbox import Delivery
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
    submit,
    typhoon,
)
from tests.support.confirmed import CONFIRMED, confirmed

LINGYA = {f"U{n:032x}": ["lingya"] for n in range(1, 4)}


def sent_notice(services, data=None):
    notice_id = compose(services, data=data)
    submit(services, notice_id)
    approve(services, APPROVER, notice_id)
    desk.send_notice_now(
        services.dispatch, APPROVER, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )
    return notice_id


def stored(services, notice_id):
    with services.session_factory() as session:
        return session.get(Notice, notice_id)


def test_an_officer_who_changed_a_notice_cannot_approve_it(services):
    add_residents(services, LINGYA)
    notice_id = compose(services)
    act(services, drafts.edit_notice, services.composer, APPROVER, notice_id, typhoon(intensity="moderate"))
    submit(services, notice_id)
    assert stored(services, notice_id).contributors == ["ap-chen"]  # ed-lin wrote it: the author
    with pytest.raises(RuleRefused, match="ap-chen wrote, changed or submitted"):
        approve(services, APPROVER, notice_id)
    approve(services, SECOND_APPROVER, notice_id)
    with services.session_factory() as session:
        edit = session.scalar(select(AuditEntry).where(AuditEntry.action == "edit"))
    assert (edit.actor, edit.detail["changed"]) == ("ap-chen", ["params.intensity"])


def test_a_rewrite_after_rejection_starts_approval_over(services):
    add_residents(services, LINGYA)
    notice_id = compose(services)
    submit(services, notice_id)
    act(services, desk.reject_notice, APPROVER, notice_id, "Name the landfall time")
    act(services, drafts.edit_notice, services.composer, EDITOR, notice_id, typhoon(landfall="2026-12-08T12:00"))
    notice = stored(services, notice_id)
    assert (notice.status, notice.approver) == (NoticeStatus.DRAFT, None)
    with pytest.raises(NoticeActionError, match="submitted first"):
        approve(services, APPROVER, notice_id)
    submit(services, notice_id)
    approve(services, APPROVER, notice_id)
    assert stored(services, notice_id).status == NoticeStatus.APPROVED


def test_an_update_of_a_live_notice_is_live_and_needs_a_second_officer(services):
    add_residents(services, LINGYA)
    original = sent_notice(services)
    update_id = act(
        services,
        drafts.issue_update,
        services.composer,
        APPROVER,
        original,
        typhoon(fields={"training": True}, intensity="moderate"),
    ).id
    update = stored(services, update_id)
    assert (update.training, update.sandboxed, update.author) == (False, False, "ap-chen")  # asked training: ignored
    submit(services, update_id, APPROVER)
    with pytest.raises(RuleRefused, match="second officer"):
        approve(services, APPROVER, update_id)
    approve(services, SECOND_APPROVER, update_id)


def test_a_test_key_cannot_touch_a_live_notice_with_any_verb(services):
    add_residents(services, LINGYA)
    original = sent_notice(services)
    with services.session_factory() as session:
        notice = session.get(Notice, original)
        assert allowed_actions(TEST_KEY_APPROVER, notice) == set()
        with pytest.raises(RuleRefused, match="test keys act only on sandboxed notices"):
            notice_rules.load(session, TEST_KEY_APPROVER, original)
    with pytest.raises(RuleRefused):
        act(services, drafts.issue_update, services.composer, TEST_KEY_APPROVER, original, typhoon())
    with pytest.raises(RuleRefused):
        desk.cancel_notice(services.dispatch, TEST_KEY_APPROVER, original)
    assert stored(services, original).status == NoticeStatus.SENDING
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 1


def test_the_fan_out_refuses_a_follow_up_from_another_world(services):
    """Below the desk too: a training Update that reached the outbox could still not touch a live notice."""
    add_residents(services, LINGYA)
    original = sent_notice(services)
    with services.session_factory.begin() as session:
        forged = drafts.compose_notice(session, services.composer, EDITOR, typhoon(fields={"training": True}), now=NOW)
        forged.msg_type, forged.references_id, forged.status = "Update", original, NoticeStatus.APPROVED
        forged_id = forged.id
    with pytest.raises(NotDue, match="must be live too"):
        sending.send_now(services.dispatch, forged_id)
    assert stored(services, original).status == NoticeStatus.SENDING
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Delivery).where(Delivery.notice_id == forged_id)) == 0


def test_the_send_and_its_audit_row_commit_together(services):
    add_residents(services, LINGYA)
    notice_id = compose(services)
    submit(services, notice_id)
    approve(services, APPROVER, notice_id)

    def record_then_fail(session, notice, result):
        session.add(
            AuditEntry(actor="ap-chen", via="console", action="send", subject_type="notice", subject_id=str(notice.id))
        )
        raise RuntimeError("the database went away before the commit")

    with pytest.raises(RuntimeError):
        sending.send_now(services.dispatch, notice_id, within=record_then_fail)
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "send")) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
    assert stored(services, notice_id).status == NoticeStatus.APPROVED
    desk.send_notice_now(
        services.dispatch, APPROVER, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "send")) == 1
        assert session.scalar(select(func.count()).select_from(Delivery)) > 0


def test_a_key_that_acted_is_named_in_the_audit_row(services):
    key_editor = EDITOR.__class__("ed-lin", EDITOR.role, via="api", key_mode="test", key_id="abc123abc123")
    compose(services, actor=key_editor)
    with services.session_factory() as session:
        entry = session.scalar(select(AuditEntry))
    assert (entry.actor, entry.via, entry.key_id, entry.key_mode) == ("ed-lin", "api", "abc123abc123", "test")


def test_approving_with_untranslated_languages_needs_an_acknowledgement(services):
    """The test configuration has no translation engine: every language but the officer's falls back."""
    add_residents(services, LINGYA)
    data = drafts.NoticeInput("typhoon_land_warning", typhoon().params, free_text="旗山區已開設收容所。")
    notice_id = compose(services, data=data)
    submit(services, notice_id)
    with pytest.raises(desk.UntranslatedNotAcknowledged) as refused:
        approve(services, APPROVER, notice_id)
    assert "en" in refused.value.languages and "zh-Hant" not in refused.value.languages
    assert stored(services, notice_id).status == NoticeStatus.SUBMITTED
    approve(services, APPROVER, notice_id, acknowledge_untranslated=True)
    with services.session_factory() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "approve"))
    assert entry.detail["untranslated"] == refused.value.languages
    desk.send_notice_now(
        services.dispatch, APPROVER, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )
    with services.session_factory() as session:
        from scheduler.report import delivery_report

        untranslated = delivery_report(session, notice_id)["untranslated"]
    assert untranslated == {"languages": ["en"], "residents": 3}  # the residents here all read English


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"landfall": "2026-12-08T12:00\x00"}, "landfall"),
        ({"typhoon_name": "山陀兒\u202e|Krathon"}, "typhoon_name"),
        ({"typhoon_name": "山陀兒\udcb0"}, "typhoon_name"),
    ],
)
def test_bad_text_in_any_parameter_is_named_and_nothing_is_stored(services, changes, named):
    with pytest.raises(InvalidParameters) as refused:
        compose(services, data=typhoon(**changes))
    assert named in refused.value.errors
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 0


def test_times_that_make_no_sense_are_refused(services):
    with pytest.raises(InvalidParameters, match="expires: that time has passed"):
        compose(
            services,
            data=drafts.NoticeInput("typhoon_land_warning", typhoon().params, expires=NOW - timedelta(minutes=5)),
        )
    closure = dict(services.kinds.get("road_closure").example_params, start="2026-12-08T21:00", end="2026-12-08T05:00")
    with pytest.raises(InvalidParameters, match="end: must not be earlier than start"):
        compose(services, data=drafts.NoticeInput("road_closure", closure))
    with pytest.raises(InvalidParameters, match="households: must be at most 2000000"):
        compose(
            services,
            data=drafts.NoticeInput(
                "power_outage", dict(services.kinds.get("power_outage").example_params, households="99999999999")
            ),
        )


def test_a_live_recurrence_fires_at_most_hourly_but_a_training_one_may_fire_more_often(services):
    add_residents(services, LINGYA)
    add_residents(services, {"U" + "f" * 32: []}, test_recipient=True)
    live = compose(services)
    submit(services, live)
    approve(services, APPROVER, live)
    schedule = {"glossary": services.glossary, "channels": services.channel_limits, **confirmed(services)}
    with pytest.raises(RuleRefused, match="30 minutes apart"):
        act(services, desk.schedule_notice, APPROVER, live, at=None, cron="0,30 8 * * *", **schedule)
    assert stored(services, live).status == NoticeStatus.APPROVED
    act(services, desk.schedule_notice, APPROVER, live, at=None, cron="0 8 * * *", **schedule)
    drill = compose(services, data=typhoon(fields={"training": True}))
    approve(services, EDITOR, drill)
    act(services, desk.schedule_notice, EDITOR, drill, at=None, cron="*/10 * * * *", **schedule)
    assert stored(services, drill).recurrence == "*/10 * * * *"
    with pytest.raises(PermissionDenied, match="schedule needs another role"):
        act(services, desk.schedule_notice, OTHER_EDITOR, live, at=None, cron="0 9 * * *", **schedule)
