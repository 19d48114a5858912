"""The desk refuses a send or a schedule a door asked the officer to confirm and they did not; for an Extreme notice
to the whole city, also when the number typed to confirm is not the notice's. Nothing goes out, nothing is
recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.office import desk
from bot.office.confirmation import Confirmation, ConfirmationMissing, WrongNoticeNumber, needs_typed_number
from bot.office.models import AuditEntry
from bot.office.send_plan import carried_channels, send_plan
from messages.models import Notice, NoticeStatus
from tests.bot.office.conftest import APPROVER, NOW, act, add_residents, approve, compose, status, submit, typhoon

LINGYA = {f"U{n:032x}": ["lingya"] for n in range(1, 4)}


def approved(services, **overrides) -> int:
    notice_id = compose(services, data=typhoon(**overrides))
    submit(services, notice_id)
    approve(services, APPROVER, notice_id)
    return notice_id


def send(services, notice_id, confirmation):
    return desk.send_notice_now(
        services.dispatch, APPROVER, notice_id, channels=services.channel_limits, confirmation=confirmation
    )


def schedule(services, notice_id, confirmation):
    return act(
        services,
        desk.schedule_notice,
        APPROVER,
        notice_id,
        at=NOW + timedelta(hours=2),
        cron=None,
        glossary=services.glossary,
        channels=services.channel_limits,
        confirmation=confirmation,
        kinds=services.kinds,
    )


def audit_rows(services, action: str) -> int:
    with services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)) or 0


def test_a_send_without_the_confirmation_is_refused_and_with_it_goes(services):
    add_residents(services, LINGYA)
    notice_id = approved(services)
    with pytest.raises(ConfirmationMissing, match="confirm what it will do"):
        send(services, notice_id, Confirmation(confirmed=False))
    assert status(services, notice_id) == NoticeStatus.APPROVED and audit_rows(services, "send") == 0
    result = send(services, notice_id, Confirmation(confirmed=True))
    assert sum(sum(per.values()) for per in result.recipients.values()) == 3
    assert status(services, notice_id) in (NoticeStatus.SENDING, NoticeStatus.SENT)


def test_a_schedule_without_the_confirmation_is_refused_and_with_it_is_saved(services):
    add_residents(services, LINGYA)
    notice_id = approved(services)
    with pytest.raises(ConfirmationMissing):
        schedule(services, notice_id, Confirmation())
    assert status(services, notice_id) == NoticeStatus.APPROVED and audit_rows(services, "schedule") == 0
    schedule(services, notice_id, Confirmation(confirmed=True))
    assert status(services, notice_id) == NoticeStatus.SCHEDULED


def test_a_city_wide_extreme_notice_needs_its_number_typed(services):
    add_residents(services, {f"U{n:032x}": [] for n in range(1, 3)})  # following the whole city
    notice_id = approved(services, districts=["all"], fields={"severity": "Extreme"})
    with services.session_factory() as session:
        assert needs_typed_number(session.get(Notice, notice_id), services.kinds)
    for typed in ("", str(notice_id + 1), "1O"):
        with pytest.raises(WrongNoticeNumber, match=f"type its number, {notice_id}"):
            send(services, notice_id, Confirmation(confirmed=True, typed_number=typed))
        with pytest.raises(WrongNoticeNumber):
            schedule(services, notice_id, Confirmation(confirmed=True, typed_number=typed))
    assert status(services, notice_id) == NoticeStatus.APPROVED and audit_rows(services, "send") == 0
    send(services, notice_id, Confirmation(confirmed=True, typed_number=f" {notice_id} "))
    assert status(services, notice_id) in (NoticeStatus.SENDING, NoticeStatus.SENT)


def test_only_an_extreme_notice_to_the_whole_city_asks_for_the_number(services):
    add_residents(services, LINGYA)
    severe_city_wide = approved(services, districts=["all"], fields={"severity": "Severe"})
    extreme_in_lingya = approved(services, fields={"severity": "Extreme"})
    with services.session_factory() as session:
        assert not needs_typed_number(session.get(Notice, severe_city_wide), services.kinds)
        assert not needs_typed_number(session.get(Notice, extreme_in_lingya), services.kinds)
    send(services, extreme_in_lingya, Confirmation(confirmed=True))
    assert status(services, extreme_in_lingya) in (NoticeStatus.SENDING, NoticeStatus.SENT)


def test_an_ingest_rule_confirms_its_own_send_without_a_typed_number(services):
    add_residents(services, {f"U{n:032x}": [] for n in range(1, 3)})
    notice_id = approved(services, districts=["all"], fields={"severity": "Extreme"})
    send(services, notice_id, Confirmation.by_rule("cwa-earthquake"))
    assert status(services, notice_id) in (NoticeStatus.SENDING, NoticeStatus.SENT)


def test_the_plan_restates_recipients_languages_and_channels(services):
    add_residents(services, LINGYA)
    notice_id = approved(services)
    plan = send_plan(services, notice_id)
    assert (plan.recipients, plan.training, plan.needs_number) == (3, False, False)
    assert plan.languages == tuple(services.settings.languages)
    assert plan.channels[0] == "line" and "facebook" in plan.channels
    assert plan.sentence().startswith(f"Send notice {notice_id} to 3 residents in 12 languages on LINE, Facebook")
    later = send_plan(services, notice_id, cron="0 8 * * *")
    assert later.sentence().endswith("every 0 8 * * * (Taipei time).")
    assert later.as_dict()["cron"] == "0 8 * * *" and later.as_dict()["recipients"] == 3


def test_a_training_plan_counts_test_recipients_and_keeps_off_public_channels(services):
    add_residents(services, LINGYA)
    add_residents(services, {f"U{n:032x}": ["lingya"] for n in range(7, 9)}, test_recipient=True)
    notice_id = approved(services, fields={"training": True})
    plan = send_plan(services, notice_id)
    assert plan.training and plan.recipients == 2
    assert plan.sentence().startswith(f"TRAINING: Send notice {notice_id} to 2 test recipients in 12 languages")
    assert services.dispatch.public_channels_for_training  # the sandbox: a drill shows on its page and feed
    assert plan.channels == ("line", "facebook", "cable_tv")


def test_live_a_drill_stays_off_the_public_channels_and_nobody_to_tell_is_no_channel():
    audience = {"line": {"en": 2, "th": 0}, "facebook": {"en": 0}}
    names = ["line", "facebook", "cable_tv"]
    assert carried_channels(names, audience, training=True, public_too=False) == ["line"]
    assert carried_channels(names, audience, training=True, public_too=True) == ["line", "cable_tv"]
    assert carried_channels(names, audience, training=False, public_too=False) == ["line", "cable_tv"]
