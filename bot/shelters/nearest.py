"""The shelters nearest a resident: what a LINE location message or the "nearest shelters" button answers with.

Distances are haversine, in Python, over the candidates: only Kaohsiung's shelters are stored (a few hundred of the
list's ~6,000 rows) and, on a disaster night, only the open ones (dozens) are candidates, so a spatial index or
shapely/pyproj (neither is installed) would buy nothing measurable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.shelters.geo import distance_m
from bot.shelters.models import HAZARDS, Shelter
from bot.shelters.state import OpenState, open_shelters, open_states


@dataclass(frozen=True)
class NearShelter:
    shelter: Shelter
    distance_m: float
    state: OpenState

    @property
    def map_url(self) -> str:
        """A map at the shelter (Google Maps' documented search URL: opens the app on a phone)."""
        return "https://www.google.com/maps/search/?" + urlencode(
            {"api": "1", "query": f"{self.shelter.lat:.6f},{self.shelter.lon:.6f}"}
        )


def nearest_shelters(
    session: Session,
    *,
    lat: float,
    lon: float,
    hazard: str | None = None,
    open_only: bool = True,
    limit: int = 3,
    within_m: float | None = None,
    now: datetime | None = None,
) -> list[NearShelter]:
    """The ``limit`` listed shelters nearest (lat, lon), nearest first, each with its distance in metres: only
    those suitable for ``hazard`` (one of HAZARDS) when given, only open ones unless ``open_only`` is False, and
    only within ``within_m`` metres when given. Withdrawn shelters are never returned."""
    if hazard is not None and hazard not in HAZARDS:
        raise ValueError(f"{hazard!r} is not a hazard; use one of {', '.join(HAZARDS)}")
    now = now or datetime.now(UTC)
    if limit <= 0:
        return []
    if open_only:
        candidates = open_shelters(session, now=now)
    else:
        # Every listed shelter is a candidate: rank their points first, then load only the nearest whole.
        points = session.execute(
            select(Shelter.id, Shelter.lat, Shelter.lon, Shelter.hazards).where(Shelter.withdrawn_at.is_(None))
        ).all()
        ranked = sorted(
            (distance_m(lat, lon, p.lat, p.lon), p.id) for p in points if hazard is None or hazard in p.hazards
        )
        chosen = [shelter_id for metres, shelter_id in ranked[:limit] if within_m is None or metres <= within_m]
        shelters = list(session.scalars(select(Shelter).where(Shelter.id.in_(chosen)))) if chosen else []
        states = open_states(session, shelters, now=now)
        candidates = [(shelter, states[shelter.id]) for shelter in shelters]
    found = [
        NearShelter(shelter, distance_m(lat, lon, shelter.lat, shelter.lon), state)
        for shelter, state in candidates
        if hazard is None or hazard in shelter.hazards
    ]
    if within_m is not None:
        found = [near for near in found if near.distance_m <= within_m]
    found.sort(key=lambda near: (near.distance_m, near.shelter.id))
    return found[:limit]
