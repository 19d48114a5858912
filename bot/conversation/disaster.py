"""The disaster menu's answers: the nearest open shelters, the alerts in effect, the hotlines, the district's status.

A resident who shares their location (in any state but those that asked for it for a petition or a check-in),
or taps "shelters", is told of the three nearest open shelters suited to the hazard in effect where they are;
the hazard comes from the live notices (``hazards``). Everything is read at the moment of asking: which
shelters are open changes by the hour on a typhoon night.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from babel.units import format_unit

from bot.conversation.flows import Turn
from bot.conversation.hazards import Geography, Place, active_hazard, by_severity, on_air, severity_of
from bot.conversation.live import area_name, covers, live_notices, notice_lines
from bot.conversation.replies import Choice, Reply
from bot.shelters.models import Shelter
from bot.shelters.nearest import NearShelter, nearest_shelters
from messages.i18n import LANGUAGES, Language
from messages.kinds import Severity
from messages.names import default_name_book
from messages.params import Name
from scheduler.audience import district_bit

if TYPE_CHECKING:
    from bot.conversation.engine import ConversationEngine

SHELTERS_LISTED = 3
ALERTS_LISTED = 5
STATUS_PER_TOPIC = 3
TEXT_LIMIT = 4900  # LINE's text message takes 5,000 UTF-16 units; the blocks are added whole up to this
ALERT_SEVERITIES = frozenset({Severity.SEVERE, Severity.EXTREME})
# The district status: one block per topic, in this order (live.TOPIC_KINDS; "transport" is the MRT and the rest).
STATUS_TOPICS = ("day_off", "water", "power", "transport")
# The numbers a resident may need in a disaster, in the order they are listed; their labels are bot texts
# "hotlines.<number>". 112 reaches 110 and 119 from a mobile phone without a SIM card or its own network's
# signal, which a visitor's phone may lack after a typhoon. 113 (violence, abuse, neglect) is listed because
# evacuation and crowded shelters raise those risks, and foreign spouses and workers are least likely to know it.
HOTLINES = ("119", "110", "112", "1999", "1922", "113")


def distance_text(metres: float, language: Language) -> str:
    """A distance in the language's own units and digits ("350 m", "1.2 km", "12 km"): metres to the nearest ten
    under a kilometre, then tenths of a kilometre, then whole kilometres from ten."""
    if metres < 1000:
        return format_unit(max(10, round(metres, -1)), "length-meter", length="short", locale=language.locale)
    kilometres = round(metres / 100) / 10
    pattern = "#,##0.0" if kilometres < 10 else "#,##0"
    return format_unit(kilometres, "length-kilometer", length="short", format=pattern, locale=language.locale)


def _joined(blocks: list[str], limit: int = TEXT_LIMIT) -> str:
    """Blocks separated by blank lines, as many whole blocks as fit."""
    text = ""
    for block in blocks:
        candidate = f"{text}\n\n{block}" if text else block
        if len(candidate) > limit:
            break
        text = candidate
    return text


class DisasterAnswers:
    def __init__(self, engine: ConversationEngine) -> None:
        self.engine = engine
        self.t = engine.texts
        self.glossary = engine.glossary
        self.composer = engine.composer
        self.geography = Geography(engine.glossary)
        self.names = default_name_book(engine.glossary)

    # ------------------------------------------------------------------ shelters

    def shared_location(self, turn: Turn) -> list[Reply]:
        """A location message: the nearest open shelters to it, or why there are none to tell of."""
        event, lang = turn.event, turn.language
        if event.latitude is None or event.longitude is None:  # a location attachment without its coordinates
            return [self.engine.answers.not_understood(turn)]
        if not self.geography.in_kaohsiung(event.latitude, event.longitude, event.address):
            return [Reply(self.t(lang, "shelters.outside"), self.menu_choice(lang))]
        district = self.geography.district_at(event.latitude, event.longitude, event.address)
        return [self.shelters_at(turn, Place(event.latitude, event.longitude, district, shared=True))]

    def shelters(self, turn: Turn) -> list[Reply]:
        """The "shelters" button: without a location, near the resident's (first) district's point, saying so and
        offering to share the exact location."""
        resident, lang = turn.resident, turn.language
        assert resident is not None
        keys = (
            []
            if resident.whole_city
            else [
                t.key
                for t in self.glossary.terms("district")
                if resident.districts & district_bit(self.glossary, t.key)
            ]
        )
        if not keys:  # a resident of the whole city: no district to start from, only where they are
            return [Reply(self.t(lang, "shelters.ask_location"), self.location_choices(lang))]
        return [self.shelters_at(turn, self.geography.district_place(keys[0]))]

    def shelters_at(self, turn: Turn, place: Place) -> Reply:
        lang, language = turn.language, LANGUAGES[turn.language]
        assert turn.resident is not None
        hazard = active_hazard(
            turn.session, turn.now, resident=turn.resident, district=place.district, composer=self.composer
        )
        found = nearest_shelters(
            turn.session,
            lat=place.lat,
            lon=place.lon,
            hazard=hazard,
            open_only=True,
            limit=SHELTERS_LISTED,
            now=turn.now,
        )
        choices = self.menu_choice(lang) if place.shared else self.location_choices(lang)
        blocks = []
        if not place.shared:
            blocks.append(
                self.t(
                    lang, "shelters.from_district", district=self.glossary.name("district", place.district, language)
                )
            )
        hazard_name = self.t(lang, f"shelters.hazard.{hazard}") if hazard else None
        if not found:
            # Shelters not announced open are not listed: an unopened shelter has no staff, may be locked, and
            # after the event may not yet have been checked as safe (on a hillside, under water); sending
            # residents out on a typhoon night to find that out is the danger a shelter list should spare them.
            # The hotlines can say where to go instead.
            blocks.append(
                self.t(lang, "shelters.none_open_hazard", hazard=hazard_name)
                if hazard_name
                else self.t(lang, "shelters.none_open")
            )
            return Reply(_joined(blocks), choices)
        blocks.append(
            self.t(lang, "shelters.header_hazard", hazard=hazard_name)
            if hazard_name
            else self.t(lang, "shelters.header")
        )
        blocks.extend(self.shelter_block(number, near, language) for number, near in enumerate(found, 1))
        return Reply(_joined(blocks), choices)

    def shelter_block(self, number: int, near: NearShelter, language: Language) -> str:
        shelter, lang = near.shelter, language.code
        name = self.names.render(Name(shelter.name), language, district=shelter.district)
        district_native = self.glossary.name("district", shelter.district, "zh-Hant")
        if district_native not in shelter.name:  # 三民區民眾活動中心 already says where it is
            name = self.t(
                lang, "shelters.place", name=name, district=self.glossary.name("district", shelter.district, language)
            )
        facts = self.t(lang, "shelters.distance", distance=distance_text(near.distance_m, language))
        if shelter.capacity:
            facts = f"{facts} · {self.t(lang, 'shelters.capacity', count=shelter.capacity)}"
        lines = [f"{number}. {name}", facts]
        if shelter.address:
            lines.append(self.t(lang, "shelters.address", address=self.address_text(shelter, language)))
        lines.append(near.map_url)
        return "\n".join(lines)

    def address_text(self, shelter: Shelter, language: Language) -> str:
        """The address through the names layer. What follows a comma (a floor: "1樓") is not a name; it is kept as
        listed, in the language's script where it has one for Han characters (Simplified Chinese)."""
        main, _, rest = (part.strip() for part in shelter.address.replace("，", ",").partition(","))
        if not main:
            return shelter.address
        written = self.names.render(Name(main), language, district=shelter.district)
        if written == main:  # Traditional Chinese: the address as the list writes it
            return shelter.address
        return f"{written}, {self.names.render(Name(rest), language)}" if rest else written

    # ------------------------------------------------------------------ alerts, hotlines, status

    def alert(self, turn: Turn) -> list[Reply]:
        """The Severe and Extreme notices in effect for the resident, most severe and latest first."""
        resident, lang = turn.resident, turn.language
        assert resident is not None
        severe = [
            notice
            for notice in on_air(turn.session, turn.now, resident)
            if covers(notice, resident, self.glossary) and severity_of(self.composer, notice) in ALERT_SEVERITIES
        ]
        choices = (Choice.of(self.t(lang, "label.shelters"), "shelters"), *self.menu_choice(lang))
        area = area_name(resident, lang, self.glossary, self.t(lang, "live.whole_city"))
        if not severe:
            return [Reply(self.t(lang, "alert.none", area=area), choices)]
        listed = by_severity(self.composer, severe)[:ALERTS_LISTED]
        blocks = [self.t(lang, "alert.header", area=area), *notice_lines(turn.session, self.composer, listed, lang)]
        return [Reply(_joined(blocks), choices)]

    def hotlines(self, turn: Turn) -> list[Reply]:
        lang = turn.language
        lines = [
            self.t(lang, "hotlines.header"),
            *(f"{number} · {self.t(lang, f'hotlines.{number}')}" for number in HOTLINES),
        ]
        return [Reply("\n".join(lines), self.menu_choice(lang))]

    def status(self, turn: Turn) -> list[Reply]:
        """Day off, water, power and transport for the resident's districts: what is announced, or the plain
        line saying nothing is (the same words the FAQ's questions about now get)."""
        resident, lang = turn.resident, turn.language
        assert resident is not None
        area = area_name(resident, lang, self.glossary, self.t(lang, "live.whole_city"))
        blocks = [self.t(lang, "district_status.header", area=area)]
        for topic in STATUS_TOPICS:
            notices = live_notices(turn.session, turn.now, resident=resident, topic=topic, glossary=self.glossary)
            if notices:
                blocks.extend(notice_lines(turn.session, self.composer, notices[:STATUS_PER_TOPIC], lang))
            else:
                blocks.append(self.t(lang, f"live.none.{topic}", area=area))
        return [Reply(_joined(blocks), self.menu_choice(lang))]

    # ------------------------------------------------------------------ choices

    def menu_choice(self, lang: str) -> tuple[Choice, ...]:
        return (Choice.of(self.t(lang, "label.menu"), "menu"),)

    def location_choices(self, lang: str) -> tuple[Choice, ...]:
        return (Choice.location(self.t(lang, "label.share_location")), *self.menu_choice(lang))
