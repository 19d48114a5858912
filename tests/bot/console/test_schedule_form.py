"""The notice page's schedule form: each choice of repeat has its own fields, shown by CSS alone after its radio
button; the server reads only the chosen option's fields, restates the schedule, and saves it once confirmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.console import confirm_step
from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus
from tests.bot.console.test_confirm_step import LINGYA, approved_notice
from tests.bot.office.conftest import add_residents
from tests.support.console_pages import Officer, html, text

STATIC = Path(confirm_step.__file__).parent / "static"
OPTION_FIELDS = {"once": ["at"], "daily": ["time"], "weekly": ["time", "weekday"], "cron": ["cron"]}


def stored(services, notice_id) -> tuple[str, datetime | None, str | None]:
    with services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        return notice.status, notice.send_at, notice.recurrence


def hidden_fields(page) -> dict[str, str]:
    form = page.xpath("//form[contains(@class, 'confirm-form')]")[0]
    return {field.get("name"): field.get("value") for field in form.xpath(".//input[@type='hidden']")}


def test_each_option_s_fields_follow_the_radio_buttons_and_the_css_shows_only_the_chosen_one_s(app, services):
    add_residents(services, LINGYA)
    notice_id = approved_notice(services)
    page = html(Officer(app, "ad-wu").get(f"/console/notices/{notice_id}"))
    (options,) = page.xpath("//form[contains(@class, 'schedule-form')]/fieldset[@class='schedule-options']")
    radios = options.xpath("./input[@type='radio'][@name='repeat']")
    assert [radio.get("value") for radio in radios] == list(OPTION_FIELDS)
    assert [radio.get("value") for radio in radios if radio.get("checked") is not None] == ["once"]
    # "radio:checked ~ field" needs every field to be a later sibling of every radio button.
    for radio in radios:
        for names in OPTION_FIELDS.values():
            for name in names:
                assert radio.xpath(f"./following-sibling::div[contains(@class, 'schedule-field')]//*[@name='{name}']")
    css = (STATIC / "console_safe.css").read_text(encoding="utf-8")
    assert ".schedule-field { display: none;" in css
    for value, names in OPTION_FIELDS.items():
        for name in names:
            assert f"#repeat-{value}:checked ~ .schedule-field-{name}" in css
    for name in ("at", "time", "weekday", "cron"):
        assert options.xpath(f".//div[contains(@class, 'schedule-field-{name}')]//*[@name='{name}']")


def test_once_ignores_the_other_options_fields_and_is_restated_before_it_is_saved(app, services):
    add_residents(services, LINGYA)
    notice_id = approved_notice(services)
    admin = Officer(app, "ad-wu")
    when = (datetime.now(UTC) + timedelta(days=1)).astimezone(TAIPEI).replace(second=0, microsecond=0)
    form = {"repeat": "once", "at": when.strftime("%Y-%m-%dT%H:%M"), "time": "99:99", "cron": "not a cron"}
    shown = admin.post(f"/console/notices/{notice_id}/schedule", {**form, "weekday": "someday"})
    assert shown.status_code == 200
    page = html(shown)
    said = text(page, "//p[@id='confirm-sentence']")
    assert said.startswith(f"At {when.strftime('%Y-%m-%d %H:%M')}, send to 3 residents in 12 languages on LINE")
    assert hidden_fields(page) == {"csrf_token": admin.token, "repeat": "once", "at": form["at"], "confirm": "1"}
    assert stored(services, notice_id)[0] == NoticeStatus.APPROVED  # nothing saved before the confirmation

    admin.post(f"/console/notices/{notice_id}/schedule", {**form, "confirm": "1"})
    status, send_at, recurrence = stored(services, notice_id)
    assert (status, recurrence) == (NoticeStatus.SCHEDULED, None)
    assert send_at is not None and send_at.replace(tzinfo=send_at.tzinfo or UTC) == when


def test_daily_ignores_a_bad_time_of_the_once_option_and_a_weekday(app, services):
    add_residents(services, LINGYA)
    notice_id = approved_notice(services)
    admin = Officer(app, "ad-wu")
    form = {"repeat": "daily", "time": "07:30", "at": "yesterday-ish", "weekday": "someday", "cron": "x"}
    page = html(admin.post(f"/console/notices/{notice_id}/schedule", form))
    assert len(page.xpath("//ol[@class='upcoming']/li")) == 5
    assert "Each time “30 7 * * *” comes round" in text(page, "//p[@id='confirm-sentence']")
    assert hidden_fields(page) == {"csrf_token": admin.token, "repeat": "daily", "time": "07:30", "confirm": "1"}
    admin.post(f"/console/notices/{notice_id}/schedule", {**form, "confirm": "1"})
    status, _send_at, recurrence = stored(services, notice_id)
    assert (status, recurrence) == (NoticeStatus.SCHEDULED, "30 7 * * *")


def test_a_schedule_without_the_confirmation_is_not_saved(app, services):
    add_residents(services, LINGYA)
    notice_id = approved_notice(services)
    admin = Officer(app, "ad-wu")
    form = {"repeat": "weekly", "time": "08:00", "weekday": "fri", "confirm": "yes"}  # not the step's answer
    shown = admin.post(f"/console/notices/{notice_id}/schedule", form)
    assert shown.status_code == 200 and html(shown).xpath("//p[@id='confirm-sentence']")
    assert stored(services, notice_id) == (NoticeStatus.APPROVED, None, None)
