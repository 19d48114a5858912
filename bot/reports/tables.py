"""The report's tables and charts in the reader's language: each table a caption, column headings and rows of
text and numbers, the same for the ODS, the ODT and the PDF. Numbers stay numbers (float cells in the ODS)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from babel import Locale

from bot.opendata.charts import MonthlyFigures, Series, draw
from bot.reports.figures import MonthReport
from messages.i18n import UnknownLanguage, get_language

REPORT_LANGUAGES = ("en", "zh-Hant")
REPORT_LOCALES = {"en": "en", "zh-Hant": "zh_Hant_TW"}
Cell = str | float | int | None

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Monthly report {month}",
        "summary": "Summary",
        "notices_sent": "Notices sent",
        "recipients_reached": "Recipients reached",
        "petitions_received": "Petitions received",
        "delivery_p50": "Delivery time, median (s)",
        "delivery_p95": "Delivery time, 95th percentile (s)",
        "mean_satisfaction": "Mean satisfaction (1–5)",
        "ratings": "Ratings",
        "figure": "Figure",
        "value": "Value",
        "notices": "Notices sent by kind and severity",
        "kind": "Kind",
        "severity": "Severity",
        "count": "Notices",
        "reach": "Recipients reached per language and channel",
        "language": "Language",
        "channel": "Channel",
        "recipients": "Recipients",
        "petitions": "Petitions per agency",
        "agency": "Agency",
        "received": "Received",
        "answered": "Answered",
        "on_time": "Answered on time",
        "not_on_time": "Not answered on time",
        "polls": "Closed polls",
        "question": "Question",
        "answer": "Answer",
        "votes": "Votes",
        "none": "(none)",
        "chart_reach": "Chart: recipients reached per language",
        "chart_petitions": "Chart: petitions received and answered on time per agency",
        "topics": "Notices sent by topic",
        "topic": "Topic",
        "topic_disaster": "Disaster",
        "topic_health": "Health",
        "topic_transport": "Transport",
        "chart_topics": "Chart: notices sent by topic",
    },
    "zh-Hant": {
        "title": "{month} 月報",
        "summary": "摘要",
        "notices_sent": "已發送通知",
        "recipients_reached": "觸及人數",
        "petitions_received": "收到陳情案件",
        "delivery_p50": "發送時間中位數（秒）",
        "delivery_p95": "發送時間第 95 百分位數（秒）",
        "mean_satisfaction": "平均滿意度（1–5）",
        "ratings": "評分人數",
        "figure": "項目",
        "value": "數值",
        "notices": "依類型與嚴重程度統計的已發送通知",
        "kind": "類型",
        "severity": "嚴重程度",
        "count": "通知數",
        "reach": "依語言與管道統計的觸及人數",
        "language": "語言",
        "channel": "管道",
        "recipients": "人數",
        "petitions": "各機關陳情案件",
        "agency": "機關",
        "received": "收件",
        "answered": "已答復",
        "on_time": "如期答復",
        "not_on_time": "未如期答復",
        "polls": "已結束的意見調查",
        "question": "問題",
        "answer": "選項",
        "votes": "票數",
        "none": "（無）",
        "chart_reach": "圖表：各語言觸及人數",
        "chart_petitions": "圖表：各機關收件與如期答復的陳情案件",
        "topics": "依主題統計的已發送通知",
        "topic": "主題",
        "topic_disaster": "災害",
        "topic_health": "衛生",
        "topic_transport": "交通",
        "chart_topics": "圖表：依主題統計的已發送通知",
    },
}


@dataclass(frozen=True)
class Table:
    key: str  # also the ODS sheet's name
    caption: str
    headings: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: str
    table: Table | None = None  # the chart's numbers, shown beside it (and not again among the tables)


def body_tables(all_tables: list[Table], all_charts: list[Chart]) -> list[Table]:
    """The tables a document shows on their own: those not shown beside their chart."""
    beside = {chart.table.key for chart in all_charts if chart.table is not None}
    return [table for table in all_tables if table.key not in beside]


def language_name(code: str, language: str) -> str:
    """A resident language's name in the report's language ("越南文", "Vietnamese"); the code if unknown."""
    try:
        parsed = Locale.parse(get_language(code).babel)
    except UnknownLanguage:
        return code
    name = Locale(parsed.language, script=parsed.script).get_display_name(Locale.parse(REPORT_LOCALES[language]))
    return name or code


@dataclass(frozen=True)
class Names:
    """How the report names a notice kind (its title in the report's language); the key when not given."""

    kind: Callable[[str], str] = field(default=str)


def label(language: str, key: str, **values: str) -> str:
    return LABELS[language][key].format(**values)


def topic_name(language: str, topic: str) -> str:
    return LABELS[language].get(f"topic_{topic}", topic)


def _topics_table(report: MonthReport, language: str) -> Table:
    return Table(
        "topics",
        label(language, "topics"),
        (label(language, "topic"), label(language, "count")),
        tuple((topic_name(language, row.topic), row.notices) for row in report.topics),
    )


def tables(report: MonthReport, language: str, names: Names | None = None) -> list[Table]:
    names = names or Names()

    def t(key: str) -> str:
        return label(language, key)

    summary = (
        (t("notices_sent"), report.notices_sent),
        (t("recipients_reached"), report.recipients_reached),
        (t("petitions_received"), report.petitions_received),
        (t("delivery_p50"), report.delivery_p50_seconds),
        (t("delivery_p95"), report.delivery_p95_seconds),
        (t("mean_satisfaction"), report.mean_satisfaction),
        (t("ratings"), report.ratings),
    )
    return [
        Table("summary", t("summary"), (t("figure"), t("value")), summary),
        Table(
            "notices",
            t("notices"),
            (t("kind"), t("severity"), t("count")),
            tuple((names.kind(row.kind), row.severity, row.notices) for row in report.notices),
        ),
        _topics_table(report, language),
        Table(
            "reach",
            t("reach"),
            (t("language"), t("channel"), t("recipients")),
            tuple((language_name(row.language, language), row.channel, row.recipients) for row in report.reach),
        ),
        Table(
            "petitions",
            t("petitions"),
            (t("agency"), t("received"), t("answered"), t("on_time"), t("not_on_time")),
            tuple(
                (
                    row.name(language) if row.agency else t("none"),
                    row.received,
                    row.answered,
                    row.on_time,
                    row.not_on_time,
                )
                for row in report.petitions
            ),
        ),
        Table(
            "polls",
            t("polls"),
            (t("question"), t("answer"), t("votes")),
            tuple((row.question, row.answer, row.votes) for row in report.polls),
        ),
    ]


def _svg(title: str, figures: MonthlyFigures, legend: tuple[str, ...]) -> str:
    """The /statistics page's bar geometry as a standalone SVG with a title and a description for screen readers."""
    drawing = draw(figures)
    colours = ("#1f5f99", "#c05a00")
    keys = [series.key for series in figures.series]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{drawing.width}" height="{drawing.height}" '
        f'viewBox="0 0 {drawing.width} {drawing.height}" font-family="Noto Sans CJK TC, Noto Sans, sans-serif">',
        f"<title>{escape(title)}</title>",
        "<desc>"
        + escape(
            "; ".join(
                f"{group}: " + ", ".join(f"{name} {values[i]}" for i, name in enumerate(legend))
                for group, values in figures.rows
            )
        )
        + "</desc>",
        f'<line x1="40" x2="{drawing.width - 8}" y1="{drawing.baseline}" y2="{drawing.baseline}" stroke="#333"/>',
    ]
    for tick in drawing.ticks:
        parts.append(f'<text x="34" y="{tick.y + 4}" font-size="11" text-anchor="end">{tick.value}</text>')
    for bar in drawing.bars:
        colour = colours[keys.index(bar.key) % len(colours)]
        parts.append(f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" fill="{colour}"/>')
    for x, text in drawing.labels:
        parts.append(
            f'<text x="{x}" y="{drawing.baseline + 16}" font-size="11" text-anchor="middle">{escape(text)}</text>'
        )
    for index, name in enumerate(legend):
        y = 12 + index * 14
        parts.append(f'<rect x="{drawing.width - 200}" y="{y - 9}" width="10" height="10" fill="{colours[index]}"/>')
        parts.append(f'<text x="{drawing.width - 185}" y="{y}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def charts(report: MonthReport, language: str) -> list[Chart]:
    per_language: dict[str, int] = {}
    for row in report.reach:
        name = language_name(row.language, language)
        per_language[name] = per_language.get(name, 0) + row.recipients
    reach = MonthlyFigures(tuple(per_language), (Series("recipients", tuple(per_language.values())),))
    agencies = MonthlyFigures(
        tuple(row.name(language) if row.agency else label(language, "none") for row in report.petitions),
        (
            Series("received", tuple(row.received for row in report.petitions)),
            Series("on_time", tuple(row.on_time for row in report.petitions)),
        ),
    )
    topics = MonthlyFigures(
        tuple(topic_name(language, row.topic) for row in report.topics),
        (Series("notices", tuple(row.notices for row in report.topics)),),
    )
    return [
        Chart(
            "topics",
            label(language, "chart_topics"),
            _svg(label(language, "chart_topics"), topics, (label(language, "count"),)),
            _topics_table(report, language),
        ),
        Chart(
            "reach",
            label(language, "chart_reach"),
            _svg(label(language, "chart_reach"), reach, (label(language, "recipients"),)),
        ),
        Chart(
            "petitions",
            label(language, "chart_petitions"),
            _svg(
                label(language, "chart_petitions"), agencies, (label(language, "received"), label(language, "on_time"))
            ),
        ),
    ]
