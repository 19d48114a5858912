"""Which shelters a resident needs now: the hazard of the most severe live notice where they are, and where that is.

A shelter is listed for some hazards only (a school gym safe in an earthquake may stand in a flood plain), so
the nearest-shelters answer filters by the hazard residents are fleeing. That hazard is read from the live
notices covering the place, most severe first; the mapping from notice kinds to shelter hazards is data below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.conversation.live import still_ahead
from bot.shelters.csv_file import LAT_RANGE, LON_RANGE
from bot.shelters.geo import distance_m
from messages.cap_geography import Places, default_places
from messages.compose import Composer
from messages.glossary import WHOLE_CITY, Glossary
from messages.i18n import TAIPEI
from messages.kinds import Severity
from messages.models import Notice
from messages.notices import active_notices
from scheduler.audience import Subscriber

# The shelter hazard (bot.shelters.models.HAZARDS) each notice kind sends residents to a shelter for.
KIND_HAZARDS: dict[str, str] = {
    "typhoon_sea_warning": "flood",
    "typhoon_land_warning": "flood",
    "heavy_rain": "flood",
    "reservoir_release": "flood",
    "earthquake_report": "earthquake",
    "tsunami_warning": "tsunami",
}
# A kind whose danger one of its parameters names (kinds.yaml): the parameter, and each value's hazard. None: a
# danger no listed hazard type fits (a fire, a chemical leak), for which any open shelter serves.
PARAM_HAZARDS: dict[str, tuple[str, dict[str, str | None]]] = {
    "evacuation_order": (
        "reason",
        {
            "flooding": "flood",
            "debris_flow": "debris_flow",
            "landslide": "debris_flow",
            "storm_surge": "flood",
            "chemical_leak": None,
            "fire": None,
        },
    )
}
# In the mountain districts rain brings debris flows, and that is what the city evacuates residents there from
# (Morakot, 2009: Jiasian's 小林村, Namasia, Taoyuan, Liouguei, Maolin): a rain warning there asks for a shelter
# listed for debris flows, not one on a riverbank that is listed for floods.
MOUNTAIN_HAZARDS: dict[str, str] = {"heavy_rain": "debris_flow", "typhoon_land_warning": "debris_flow"}
MOUNTAIN_DISTRICTS = frozenset({"taoyuan", "namasia", "maolin", "liouguei", "jiasian"})
# A Minor notice (an earthquake report of intensity 3 or less) sends no one to a shelter, so it does not decide
# which shelters are listed.
HAZARD_MIN_SEVERITY = Severity.MODERATE


@dataclass(frozen=True)
class Place:
    """Where shelters are looked for: a point, its district (glossary key) and whether the resident shared it."""

    lat: float
    lon: float
    district: str
    shared: bool


class Geography:
    """Kaohsiung's districts as points: a shared location's district, a district's point."""

    def __init__(self, glossary: Glossary, places: Places | None = None) -> None:
        self.places = places or default_places()
        self.keys = {term.geocode: term.key for term in glossary.terms("district") if term.geocode}
        self.codes = {key: code for code, key in self.keys.items()}

    def in_kaohsiung(self, lat: float, lon: float, address: str | None) -> bool:
        """Whether a shared location is in Kaohsiung: within the box the shelter list is imported with (the
        mainland rounded outward), and not placed by its address in another county. LINE writes the address
        in the app's language; a Chinese one names the county ("屏東縣屏東市…"), which settles the border towns
        the box cannot tell apart (Pingtung City, Tainan's southern edge)."""
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
            return False
        if not address:
            return True
        named = [
            name
            for county in self.places.counties
            for name in (county.name, *county.former)
            if name in address.replace("台", "臺")
        ]
        return not named or any(self.places.is_kaohsiung_name(name) for name in named)

    def district_at(self, lat: float, lon: float, address: str | None) -> str:
        """The district a shared location is in: the one its (Chinese) address names, else the district whose
        representative point is nearest. The nearest point is rough in the large mountain districts; it only
        decides which notices apply, never which shelters are listed (those are by distance)."""
        named = self.places.named_districts(address) if address else frozenset()
        if len(named) == 1:
            return self.keys[next(iter(named))]
        nearest = min(self.places.districts, key=lambda d: distance_m(lat, lon, d.lat, d.lon))
        return self.keys[nearest.code]

    def district_place(self, key: str) -> Place:
        point = self.places.district(self.codes[key])
        return Place(point.lat, point.lon, key, shared=False)


def hazard_of(notice: Notice, district: str) -> str | None:
    """The shelter hazard a notice calls for in a district, or None."""
    if notice.kind in PARAM_HAZARDS:
        param, values = PARAM_HAZARDS[notice.kind]
        return values.get(str((notice.params or {}).get(param)))
    if district in MOUNTAIN_DISTRICTS and notice.kind in MOUNTAIN_HAZARDS:
        return MOUNTAIN_HAZARDS[notice.kind]
    return KIND_HAZARDS.get(notice.kind)


def on_air(session: Session, now: datetime, resident: Subscriber) -> list[Notice]:
    """Live notices on air now; a drill's too for its test recipients (as ``live.live_notices`` does)."""
    notices = active_notices(session, now)
    if resident.test_recipient:
        notices += active_notices(session, now, training=True)
    today = now.astimezone(TAIPEI).date()
    return [notice for notice in notices if still_ahead(notice, today)]


def severity_of(composer: Composer, notice: Notice) -> Severity:
    """The severity residents see on the notice: the officer's or the source's, else its level's."""
    if notice.severity:
        return Severity(notice.severity)
    return composer.kinds.get(notice.kind).cap_for(notice.params or {}).severity


def by_severity(composer: Composer, notices: list[Notice]) -> list[Notice]:
    """Most severe first, then the latest."""

    def key(notice: Notice) -> tuple[int, float, int]:
        sent = notice.sent_at or notice.created_at
        return (-severity_of(composer, notice).rank, -(sent.timestamp() if sent else 0.0), -notice.id)

    return sorted(notices, key=key)


def active_hazard(
    session: Session, now: datetime, *, resident: Subscriber, district: str, composer: Composer
) -> str | None:
    """The hazard of the most severe live notice covering the district (or the whole city) that calls for one."""
    covering = [
        notice
        for notice in on_air(session, now, resident)
        if WHOLE_CITY in (notice.districts or [WHOLE_CITY]) or district in notice.districts
    ]
    for notice in by_severity(composer, covering):
        if severity_of(composer, notice).rank < HAZARD_MIN_SEVERITY.rank:
            break  # most severe first: the rest are Minor too
        hazard = hazard_of(notice, district)
        if hazard is not None:
            return hazard
    return None
