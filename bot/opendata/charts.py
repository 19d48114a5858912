"""The monthly figures the public statistics page draws: notices per month by topic, this month's notices by
topic, petitions received and answered per month; and the geometry of their bar charts (server-drawn SVG, the same
numbers in a table)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.opendata.datasets import published_notices
from bot.opendata.petitions import month_of, petition_rows
from messages.glossary import Glossary
from messages.kinds import Topic
from messages.models import Notice

MONTHS_SHOWN = 12
WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP = 40, 40, 16


@dataclass(frozen=True)
class Series:
    key: str  # also the bar's CSS class: chart-<key>
    values: tuple[int, ...]


@dataclass(frozen=True)
class MonthlyFigures:
    months: tuple[str, ...]
    series: tuple[Series, ...]

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        return [(month, [s.values[i] for s in self.series]) for i, month in enumerate(self.months)]


@dataclass(frozen=True)
class Bar:
    key: str
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    bars: tuple[Bar, ...]
    labels: tuple[tuple[float, str], ...]  # x of the month's centre, month
    ticks: tuple[Tick, ...]
    baseline: float


def _last_months(counts: dict[str, dict[str, int]], keys: tuple[str, ...]) -> MonthlyFigures:
    months = tuple(sorted(counts)[-MONTHS_SHOWN:])
    return MonthlyFigures(months, tuple(Series(key, tuple(counts[m].get(key, 0) for m in months)) for key in keys))


def _topic_counts(session: Session) -> dict[str, dict[str, int]]:
    """Published notices per month (Kaohsiung's) and topic."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for sent_at, topic in session.execute(select(Notice.sent_at, Notice.topic).where(*published_notices())):
        if sent_at is not None:  # published notices all have one
            counts[month_of(sent_at)][str(topic)] += 1
    return counts


def notices_by_topic(session: Session) -> MonthlyFigures:
    return _last_months(_topic_counts(session), tuple(topic.value for topic in Topic))


def notices_by_topic_in(session: Session, month: str) -> MonthlyFigures:
    """One month's notices by topic: the month as the one group, a bar for every topic (none sent: 0)."""
    month_counts = _topic_counts(session).get(month, {})
    return MonthlyFigures((month,), tuple(Series(topic.value, (month_counts.get(topic.value, 0),)) for topic in Topic))


def petitions_by_month(session: Session, glossary: Glossary) -> MonthlyFigures:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in petition_rows(session, glossary):
        month = counts[str(row["month"])]
        month["received"] += int(str(row["received"]))
        month["answered"] += int(str(row["answered"]))
    return _last_months(counts, ("received", "answered"))


def _nice_top(value: int) -> int:
    top = 1
    while top < value:
        top = top * 2 if str(top)[0] in "15" else top * 5 // 2
    return top


def draw(figures: MonthlyFigures) -> Drawing:
    """Grouped bars: one group per month, one bar per series, a scale of 0, half and the top."""
    plot_width, plot_height = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    baseline = TOP + plot_height
    top = _nice_top(max((max(s.values, default=0) for s in figures.series), default=0))
    group = plot_width / max(1, len(figures.months))
    bar_width = group * 0.8 / max(1, len(figures.series))
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for index, month in enumerate(figures.months):
        start = LEFT + index * group + group * 0.1
        labels.append((round(LEFT + index * group + group / 2, 1), month))
        for number, series in enumerate(figures.series):
            value = series.values[index]
            height = plot_height * value / top
            x = start + number * bar_width
            bars.append(
                Bar(series.key, round(x, 1), round(baseline - height, 1), round(bar_width, 1), round(height, 1), value)
            )
    ticks = tuple(Tick(round(baseline - plot_height * v / top, 1), v) for v in sorted({0, top // 2, top}))
    return Drawing(WIDTH, HEIGHT, tuple(bars), tuple(labels), ticks, baseline)
