"""Recurrences: cron expressions in Taipei time, the times they fire and how close together they come."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from messages.i18n import TAIPEI

# How far ahead a recurrence is searched for its two closest firings: a year, or this many firings.
LOOK_AHEAD = timedelta(days=366)
MAX_FIRINGS = 2000


class BadRecurrence(ValueError):
    """Not a cron expression, or one that never fires."""


def cron_trigger(expression: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expression.strip(), timezone=TAIPEI)
    except ValueError as exc:
        raise BadRecurrence(f"{expression!r} is not a cron expression (minute hour day month weekday): {exc}") from None


def next_fire_times(expression: str, now: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` times the recurrence fires after ``now`` (Taipei time)."""
    trigger = cron_trigger(expression)
    times: list[datetime] = []
    previous = None
    moment = now
    while len(times) < count:
        fire = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        times.append(fire)
        previous, moment = fire, fire + timedelta(seconds=1)
    if not times:
        raise BadRecurrence(f"{expression!r} never comes round (e.g. 31 February)")
    return times


def shortest_interval(
    expression: str, now: datetime, *, stop_below: timedelta = timedelta(minutes=1)
) -> timedelta | None:
    """The shortest time between two firings in the coming year or ``MAX_FIRINGS`` firings (None if it fires at
    most once); the search stops as soon as a gap shorter than ``stop_below`` is found."""
    trigger = cron_trigger(expression)
    end = now + LOOK_AHEAD
    shortest: timedelta | None = None
    previous = trigger.get_next_fire_time(None, now)
    for _ in range(MAX_FIRINGS):
        if previous is None or previous > end:
            break
        following = trigger.get_next_fire_time(previous, previous + timedelta(seconds=1))
        if following is None or following > end:
            break
        gap = following - previous
        shortest = gap if shortest is None else min(shortest, gap)
        if shortest < stop_below:
            break
        previous = following
    return shortest


def cron_times(cron: str, after: datetime, until: datetime, *, keep: int) -> tuple[list[datetime], int]:
    """The last ``keep`` times of ``cron`` (Taipei time) in (``after``, ``until``], and how many there are."""
    trigger = cron_trigger(cron)
    kept: deque[datetime] = deque(maxlen=keep)
    total = 0
    cursor = after + timedelta(microseconds=1)
    while (moment := trigger.get_next_fire_time(None, cursor)) is not None and moment <= until:
        kept.append(moment)
        total += 1
        cursor = moment + timedelta(microseconds=1)
    return list(kept), total
