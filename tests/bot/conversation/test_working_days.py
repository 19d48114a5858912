"""Working days on Taiwan's official calendar: weekends, national holidays (with their make-up days off) and the
typhoon days off the city declares."""

from __future__ import annotations

from datetime import date

import pytest

from bot.conversation.working_days import add_working_days, is_working_day, working_days_between

# 2026: National Day (Sat 10 Oct) is made up on Fri 9 Oct; Thu 8 Oct and Mon 12 Oct are working days.
THURSDAY = date(2026, 10, 8)


def test_a_weekend_is_skipped():
    assert add_working_days(date(2026, 11, 13), 1) == date(2026, 11, 16)  # Friday → Monday
    assert add_working_days(date(2026, 11, 13), 6) == date(2026, 11, 23)


def test_a_national_holiday_and_its_make_up_day_off_are_skipped():
    assert not is_working_day(date(2026, 10, 9)) and not is_working_day(date(2026, 10, 10))
    assert add_working_days(THURSDAY, 1) == date(2026, 10, 12)  # Fri 9 (day off for National Day), weekend
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)  # New Year's Day, then a weekend


def test_a_declared_typhoon_day_off_is_skipped_too():
    typhoon_monday = {date(2026, 10, 12)}
    assert add_working_days(THURSDAY, 1, days_off=typhoon_monday) == date(2026, 10, 13)
    assert add_working_days(THURSDAY, 6, days_off=typhoon_monday) == date(2026, 10, 20)
    assert working_days_between(THURSDAY, date(2026, 10, 13), days_off=typhoon_monday) == 1


def test_the_official_calendar_s_make_up_working_saturday_counts():
    # 2025: Saturday 8 February was a working day, making up for Monday 27 January.
    assert is_working_day(date(2025, 2, 8)) and not is_working_day(date(2025, 1, 27))


def test_beyond_the_calendar_only_weekends_are_days_off():
    assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)


def test_limits_are_bounded():
    assert add_working_days(THURSDAY, 0) == THURSDAY
    with pytest.raises(ValueError, match="processing limit"):
        add_working_days(THURSDAY, -1)
