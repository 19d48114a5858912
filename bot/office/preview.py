"""The preview grid: a notice in every language on every channel, and who would receive it.

What the officer sees here is what residents get: each channel previews a language as it would carry it (the same
builders it sends with), and the grid shows whatever channels the services built, in the registry's order; it
names none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.office.quota import QuotaForecast, forecast, messages_needed, quota_channel
from bot.office.services import Services
from channels.base import Audience, ChannelPreview, Previewing, PreviewingSend
from messages.cap import build_alert
from messages.i18n import LANGUAGES, Language
from messages.localised import LocalisedNotice
from messages.models import Notice
from messages.notices import alert_header, free_text_versions, untranslated_languages
from messages.polls import poll_spec
from messages.refusal import Problem
from scheduler.audience import audience_by_district
from scheduler.reach import notice_audience
from scheduler.sending import get_notice, prepare_free_text

HELD = Problem("the free text is held until an officer reviews its translation", "preview.held")


@dataclass(frozen=True)
class LanguagePreview:
    language: Language
    notice: LocalisedNotice
    channels: tuple[ChannelPreview, ...]  # one per channel of the grid, in its order
    audience: dict[str, int]  # per resident channel
    problems: tuple[str, ...] = ()

    def on(self, channel: str) -> ChannelPreview | None:
        """This language as ``channel`` shows it (None when the grid has no such channel)."""
        return next((preview for preview in self.channels if preview.channel == channel), None)


@dataclass(frozen=True)
class NoticePreview:
    notice_id: int
    languages: list[LanguagePreview]
    cap_xml: str
    audience: dict[str, dict[str, int]]  # channel → language → residents
    # Resident channel → district key (and "whole_city") → residents following it there.
    district_audience: dict[str, dict[str, int]] = field(default_factory=dict)
    district_names: dict[str, str] = field(default_factory=dict)
    # The one send each public channel would make that carries several languages (a page post).
    sends: tuple[ChannelPreview, ...] = ()
    # Languages in which the free text would not be read translated (the engine failed, or it is held).
    untranslated: list[str] = field(default_factory=list)
    # What it costs in messages on the channel with a monthly quota beside what is left (None: no such channel).
    quota: QuotaForecast | None = None
    labels: dict[str, str] = field(default_factory=dict)  # channel → its label, in the grid's order

    @property
    def total(self) -> int:
        return sum(sum(per.values()) for per in self.audience.values())

    @property
    def districts(self) -> list[str]:
        """The district keys of the district table's rows ("whole_city" first)."""
        return list(dict.fromkeys(key for per in self.district_audience.values() for key in per))

    @property
    def problems(self) -> list[str]:
        """What to check before sending, in English, each with a code (``messages.refusal.Problem``) for the console."""
        found: list[str] = [
            Problem(
                f"{p.language.code}: {problem}", "preview.in_language", languages=[p.language.code], problem=problem
            )
            for p in self.languages
            for problem in p.problems
        ]
        if self.total == 0:
            found.insert(0, Problem("no resident would receive this notice: it cannot be sent", "preview.nobody"))
        return found


def _language_problems(notice: LocalisedNotice, previews: tuple[ChannelPreview, ...]) -> tuple[str, ...]:
    problems = [problem for preview in previews if preview.included for problem in preview.problems]
    if notice.held:
        problems.append(HELD)
    return tuple(problems)


def build_preview(services: Services, notice_id: int, *, translate: bool = True) -> NoticePreview:
    """Compose the notice everywhere. Translates its free text first (outside any session) unless told not to."""
    settings = services.settings
    limits = services.channel_limits
    resident_channels = [name for name, limit in limits.items() if limit.audience is Audience.RESIDENTS]
    if translate:
        prepare_free_text(services.dispatch, notice_id)
    with services.session_factory() as session:
        notice: Notice = get_notice(session, notice_id)
        free = free_text_versions(session, notice)
        poll = poll_spec(session, notice_id)
        audience = notice_audience(session, notice, glossary=services.glossary, channels=limits)
        district_audience = {
            channel: audience_by_district(
                session,
                services.glossary,
                channel=channel,
                topic=notice.topic,
                districts=notice.districts,
                training=notice.training,
            )
            for channel in resident_channels
        }
        header = alert_header(notice, settings.cap.sender)
        untranslated = untranslated_languages(session, notice, settings.languages)
        session.expunge(notice)
    # Asked with no session open; a channel keeps its platform's answer briefly, as this page is viewed often.
    counted_on = quota_channel(services.channels)
    quota = forecast(services.channels, messages_needed(audience, counted_on), channel=counted_on)
    previewing = [channel for channel in services.publishers.values() if isinstance(channel, Previewing)]
    localised = services.composer.compose_all(notice, list(settings.languages), free or None, poll=poll)
    languages = []
    for code, ln in localised.items():
        previews = tuple(channel.preview(ln) for channel in previewing)
        languages.append(
            LanguagePreview(
                language=LANGUAGES[code],
                notice=ln,
                channels=previews,
                audience={channel: per.get(code, 0) for channel, per in audience.items()},
                problems=_language_problems(ln, previews),
            )
        )
    sends = tuple(
        send
        for channel in previewing
        if isinstance(channel, PreviewingSend) and (send := channel.preview_send(localised)) is not None
    )
    cap = build_alert(header, services.kinds.get(notice.kind), localised.values(), services.glossary)
    names = {
        key: services.glossary.name("district", key, settings.default_language)
        for per in district_audience.values()
        for key in per
        if key != "whole_city"
    }
    return NoticePreview(
        notice_id=notice_id,
        languages=languages,
        cap_xml=cap.decode("utf-8"),
        audience=audience,
        district_audience=district_audience,
        district_names=names,
        sends=sends,
        untranslated=untranslated,
        quota=quota,
        labels={channel.name: channel.label for channel in previewing},
    )
