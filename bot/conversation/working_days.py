"""Working days on Taiwan's official calendar (行政機關辦公日曆表), as published by the personnel administration.

The calendar comes from the ``taiwan-holidays`` package (the DGPA's yearly tables, make-up working Saturdays
included); a typhoon day off is not in it, because the city declares one only days before: the caller passes
those dates in ``days_off``. On a day the package does not cover, Saturdays and Sundays are the only days off.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from functools import cache

MAX_WORKING_DAYS = 365


@cache
def official_calendar() -> tuple[frozenset[date], frozenset[date]]:
    """The official calendar's days off, and every day it covers (loaded once; it takes ~0.1 s)."""
    from taiwan_holidays.taiwan_calendar import TaiwanCalendar

    lookup = TaiwanCalendar().lookup
    days = [stamp.date() for stamp in lookup["西元日期"]]
    off = frozenset(day for day, flag in zip(days, lookup["是否放假"], strict=True) if int(flag) == 2)
    return off, frozenset(days)


def is_working_day(day: date, days_off: Collection[date] = ()) -> bool:
    if day in days_off:
        return False
    off, covered = official_calendar()
    if day in covered:
        return day not in off
    return day.weekday() < 5


def add_working_days(start: date, count: int, *, days_off: Collection[date] = ()) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself not counted, as a petition's limit is counted
    from the day after it is received); 0 gives ``start``."""
    if not 0 <= count <= MAX_WORKING_DAYS:
        raise ValueError(f"a processing limit must be 0 to {MAX_WORKING_DAYS} working days, not {count}")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, days_off):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, *, days_off: Collection[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end`` is not after ``start``)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, days_off)
    return count
