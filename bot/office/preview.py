"""The preview grid: a notice in every language on every channel, and who would receive it.

What the officer sees here is what residents get: the same composer, the same LINE
bubble and Facebook post builders and the same crawl line the channels send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.office.quota import QuotaForecast, forecast, messages_needed
from bot.office.services import Services
from channels.base import LimitExceeded
from channels.cable_tv import crawl_line
from channels.facebook import post_section, post_text
from channels.line_render import alt_text, check_messages, render_messages
from messages.cap import build_alert
from messages.i18n import LANGUAGES, Language
from messages.localised import LocalisedNotice
from messages.models import Notice
from messages.notices import alert_header, free_text_versions, untranslated_languages
from messages.polls import poll_spec
from scheduler.audience import audience_by_district
from scheduler.reach import notice_audience
from scheduler.sending import get_notice, prepare_free_text


@dataclass(frozen=True)
class LanguagePreview:
    language: Language
    notice: LocalisedNotice
    line_messages: list[dict[str, Any]]
    line_alt_text: str
    crawl_line: str
    audience: dict[str, int]  # per resident channel
    on_facebook: bool
    problems: tuple[str, ...] = ()
    facebook_section: str = ""  # this language's part of the page post, as posted


@dataclass(frozen=True)
class NoticePreview:
    notice_id: int
    languages: list[LanguagePreview]
    facebook_post: str | None
    cap_xml: str
    audience: dict[str, dict[str, int]]  # channel → language → residents
    districts: dict[str, int]  # district key (and "whole_city") → LINE residents following it
    district_names: dict[str, str] = field(default_factory=dict)
    # Languages in which the free text would not be read translated (the engine failed, or it is held).
    untranslated: list[str] = field(default_factory=list)
    # What it costs in LINE messages beside what is left this month (None: LINE is not enabled).
    line_quota: QuotaForecast | None = None

    @property
    def total(self) -> int:
        return sum(sum(per.values()) for per in self.audience.values())

    @property
    def problems(self) -> list[str]:
        found = [f"{p.language.code}: {problem}" for p in self.languages for problem in p.problems]
        if self.total == 0:
            found.insert(0, "no resident would receive this notice: it cannot be sent")
        return found


def _language_problems(notice: LocalisedNotice, messages: list[dict[str, Any]]) -> tuple[str, ...]:
    problems = []
    try:
        check_messages(messages)
    except LimitExceeded as exc:
        problems.append(f"LINE would refuse it: {exc}")
    if notice.held:
        problems.append("the free text is held until an officer reviews its translation")
    return tuple(problems)


def build_preview(services: Services, notice_id: int, *, translate: bool = True) -> NoticePreview:
    """Compose the notice everywhere. Translates its free text first (outside any session) unless told not to."""
    settings = services.settings
    if translate:
        prepare_free_text(services.dispatch, notice_id)
    with services.session_factory() as session:
        notice: Notice = get_notice(session, notice_id)
        free = free_text_versions(session, notice)
        poll = poll_spec(session, notice_id)
        audience = notice_audience(session, notice, glossary=services.glossary, channels=services.channel_limits)
        districts = audience_by_district(
            session,
            services.glossary,
            channel="line",
            topic=notice.topic,
            districts=notice.districts,
            training=notice.training,
        )
        header = alert_header(notice, settings.cap.sender)
        untranslated = untranslated_languages(session, notice, settings.languages)
        session.expunge(notice)
    # Asked with no session open; the channel keeps LINE's answer briefly, as this page is viewed often.
    line_quota = forecast(services.channels, messages_needed(audience))
    composer = services.composer
    localised = composer.compose_all(notice, list(settings.languages), free or None, poll=poll)
    languages = []
    post_languages = set(settings.channels.facebook.post_languages) if "facebook" in services.channel_limits else set()
    for code, ln in localised.items():
        messages = render_messages(ln)
        languages.append(
            LanguagePreview(
                language=LANGUAGES[code],
                notice=ln,
                line_messages=messages,
                line_alt_text=alt_text(ln),
                crawl_line=crawl_line(ln, settings.channels.cable_tv.crawl_max_chars),
                audience={channel: per.get(code, 0) for channel, per in audience.items()},
                on_facebook=code in post_languages,
                problems=_language_problems(ln, messages),
                facebook_section=post_section(ln),
            )
        )
    posted = [localised[code] for code in settings.channels.facebook.post_languages if code in localised]
    kind = services.kinds.get(notice.kind)
    cap = build_alert(header, kind, localised.values(), services.glossary)
    names = {
        key: services.glossary.name("district", key, settings.default_language)
        for key in districts
        if key != "whole_city"
    }
    return NoticePreview(
        notice_id=notice_id,
        languages=languages,
        facebook_post=post_text(posted) if post_languages and posted else None,
        cap_xml=cap.decode("utf-8"),
        audience=audience,
        districts=districts,
        district_names=names,
        untranslated=untranslated,
        line_quota=line_quota,
    )
