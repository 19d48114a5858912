"""Questions about now, answered from now: the live notices behind an FAQ answer.

Asked "is tomorrow a day off?" or "is the MRT running?", a resident first needs what is in effect for
their districts at this moment, and only then how such things are decided. The FAQ entry the question
matched names the topic; the topic names the notice kinds that answer it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy.orm import Session

from messages.compose import Composer
from messages.formatting import format_list_for
from messages.glossary import WHOLE_CITY, Glossary
from messages.i18n import LANGUAGES, TAIPEI
from messages.models import Notice
from messages.notices import active_notices, free_text_versions
from scheduler.audience import Subscriber, district_bit

MAX_LIVE = 5  # notices listed in one answer; LINE's bubble stays readable and a typhoon night rarely has more

# A live topic: the notice kinds that answer it.
TOPIC_KINDS: dict[str, frozenset[str]] = {
    "day_off": frozenset({"day_off"}),
    "transport": frozenset({"mrt_disruption", "bus_change", "ferry_suspension", "road_closure"}),
    "water": frozenset({"water_outage"}),
    "power": frozenset({"power_outage"}),
    "shelter": frozenset({"shelter_open", "evacuation_order"}),
    "typhoon": frozenset({"typhoon_sea_warning", "typhoon_land_warning"}),
}

# The FAQ entries (en.yaml ids) whose questions are about what is happening now. Entries about how something
# works in general (lost property, paying for the light rail) are left out: a line saying "no disruption" on
# top of them would answer a question nobody asked.
FAQ_TOPICS: dict[str, str] = {
    "typhoon_day_off": "day_off",
    "typhoon_day_off_workers": "day_off",
    "mrt_service": "transport",
    "bus_arrival_times": "transport",
    "cijin_ferry": "transport",
    "water_outage": "water",
    "power_outage": "power",
    "find_shelter": "shelter",
    "evacuation_order": "shelter",
    "typhoon_prepare": "typhoon",
}


def live_topic(faq_key: str) -> str | None:
    """The live topic an FAQ entry's questions are about, or None for a question about how things work."""
    return FAQ_TOPICS.get(faq_key)


def covers(notice: Notice, resident: Subscriber, glossary: Glossary) -> bool:
    """Whether the notice concerns the resident: a whole-city notice, a resident of the whole city, or a
    district they chose."""
    districts = notice.districts or [WHOLE_CITY]
    if resident.whole_city or WHOLE_CITY in districts:
        return True
    return any(resident.districts & district_bit(glossary, key) for key in districts)


def still_ahead(notice: Notice, today: date) -> bool:
    """A day-off decision is about its date: once that day is over it answers nothing, even if no one set an
    expiry on it. Other notices end by their expiry (or a cancel), which ``active_notices`` already applies."""
    day = (notice.params or {}).get("date") if notice.kind == "day_off" else None
    if not isinstance(day, str):
        return True
    try:
        return date.fromisoformat(day[:10]) >= today
    except ValueError:
        return True


def live_notices(
    session: Session, now: datetime, *, resident: Subscriber, topic: str, glossary: Glossary
) -> list[Notice]:
    """The live notices of the topic that cover the resident, newest first.

    Not filtered by the resident's alert topics: someone who turned transport alerts off may still ask
    whether the MRT runs, and deserves the answer. Training notices reach only test recipients, as their
    deliveries do: during a drill the officers' phones see what residents would, marked as a test.
    """
    kinds = TOPIC_KINDS[topic]
    today = now.astimezone(TAIPEI).date()
    on_air = active_notices(session, now)
    if resident.test_recipient:
        on_air += active_notices(session, now, training=True)
    found = [
        notice
        for notice in on_air
        if notice.kind in kinds and covers(notice, resident, glossary) and still_ahead(notice, today)
    ]
    found.sort(key=lambda n: (n.sent_at or n.created_at, n.id), reverse=True)
    return found


def notice_lines(session: Session, composer: Composer, notices: Iterable[Notice], language: str) -> list[str]:
    """Each notice as the resident reads it: headline with its severity, its times, the link to its page."""
    blocks = []
    for notice in notices:
        localised = composer.compose(notice, language, free_text_versions(session, notice).get(language))
        blocks.append("\n".join(part for part in (localised.title_line, localised.times_text, localised.link) if part))
    return blocks


def area_name(resident: Subscriber, language: str, glossary: Glossary, whole_city: str) -> str:
    """The resident's districts in their language ("三民區", "Sanmin and Qishan"), or the city's name."""
    if resident.whole_city:
        return whole_city
    keys = [t.key for t in glossary.terms("district") if resident.districts & district_bit(glossary, t.key)]
    if not keys:
        return whole_city
    return format_list_for([glossary.name("district", key, language) for key in keys], LANGUAGES[language])


def live_text(
    session: Session,
    now: datetime,
    *,
    resident: Subscriber,
    topic: str,
    language: str,
    glossary: Glossary,
    composer: Composer,
    text: Callable[..., str],
) -> str:
    """What is in effect now for the resident on this topic, or a plain sentence saying nothing is announced.

    ``text(language, key, **values)`` gives the bot's words (``BotTexts``).
    """
    notices = live_notices(session, now, resident=resident, topic=topic, glossary=glossary)
    if not notices:
        area = area_name(resident, language, glossary, text(language, "live.whole_city"))
        return text(language, f"live.none.{topic}", area=area)
    blocks = notice_lines(session, composer, notices[:MAX_LIVE], language)
    return "\n\n".join([text(language, "live.header"), *blocks])[:4900]
