"""Which shelters are open now: an event-time fact, never in the national list.

Two sources say so. An officer opens or closes a shelter (``bot.office.shelters``: stored on the shelter with when
and by whom), and a live ``shelter_open`` notice names one (its ``shelter`` parameter, the name as the list writes
it, and its ``district``). The later of the two wins: a notice sent after an officer closed the shelter opens it
again; an officer who closes it after the notice went out closes it, and should cancel or update the notice, which
residents still read. A notice stops opening its shelter when it expires, is cancelled or is superseded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.shelters.models import Shelter, folded_name
from messages.models import Notice
from messages.notices import active_notices
from messages.params import Name

SHELTER_OPEN_KIND = "shelter_open"


@dataclass(frozen=True)
class OpenState:
    open: bool
    since: datetime | None  # when that became so (None: never opened)
    by: str | None  # the officer, or "notice N"
    notice_id: int | None = None  # the live notice that opened it


@dataclass(frozen=True)
class NoticeMatches:
    by_shelter: dict[int, Notice]  # shelter id → the latest live shelter_open notice naming it
    unmatched: list[Notice]  # live shelter_open notices naming no listed shelter (officers should check them)


def _notice_time(notice: Notice) -> datetime:
    return notice.sent_at or notice.updated_at


def shelters_named_by(session: Session, notice: Notice) -> list[Shelter]:
    """The listed shelters a shelter_open notice names: same district, same name (folded); its address, when
    given, tells apart two shelters of one name in a district."""
    raw = notice.params.get("shelter")
    district = notice.params.get("district")
    if not raw or not district:
        return []
    name = Name.parse(raw)
    keys = {folded_name(name.native)} | ({folded_name(name.latin)} if name.latin else set())
    found = list(
        session.scalars(
            select(Shelter).where(
                Shelter.district == district, Shelter.name_key.in_(keys), Shelter.withdrawn_at.is_(None)
            )
        )
    )
    address = notice.params.get("address")
    if address and len(found) > 1:
        wanted = folded_name(Name.parse(address).native)
        narrowed = [
            s for s in found if wanted and (wanted in folded_name(s.address) or folded_name(s.address) in wanted)
        ]
        found = narrowed or found
    return found


def notice_matches(session: Session, *, now: datetime) -> NoticeMatches:
    by_shelter: dict[int, Notice] = {}
    unmatched: list[Notice] = []
    for notice in active_notices(session, now):
        if notice.kind != SHELTER_OPEN_KIND:
            continue
        shelters = shelters_named_by(session, notice)
        if not shelters:
            unmatched.append(notice)
        for shelter in shelters:
            known = by_shelter.get(shelter.id)
            if known is None or _notice_time(notice) > _notice_time(known):
                by_shelter[shelter.id] = notice
    return NoticeMatches(by_shelter, unmatched)


def state_of(shelter: Shelter, notice: Notice | None) -> OpenState:
    officer = OpenState(shelter.open, shelter.open_changed_at if shelter.open else None, shelter.open_changed_by)
    if notice is None:
        return officer
    sent = _notice_time(notice)
    if shelter.open_changed_at is not None and shelter.open_changed_at >= sent:
        return officer
    return OpenState(True, sent, f"notice {notice.id}", notice.id)


def open_states(
    session: Session, shelters: Iterable[Shelter], *, now: datetime, matches: NoticeMatches | None = None
) -> dict[int, OpenState]:
    matches = matches or notice_matches(session, now=now)
    return {shelter.id: state_of(shelter, matches.by_shelter.get(shelter.id)) for shelter in shelters}


def open_shelters(session: Session, *, now: datetime) -> list[tuple[Shelter, OpenState]]:
    """Every listed shelter open now, with why."""
    matches = notice_matches(session, now=now)
    candidates = {
        s.id: s for s in session.scalars(select(Shelter).where(Shelter.open.is_(True), Shelter.withdrawn_at.is_(None)))
    }
    if matches.by_shelter:
        candidates.update(
            {s.id: s for s in session.scalars(select(Shelter).where(Shelter.id.in_(list(matches.by_shelter))))}
        )
    states = open_states(session, candidates.values(), now=now, matches=matches)
    return [
        (shelter, states[shelter.id])
        for shelter in sorted(candidates.values(), key=lambda s: s.id)
        if states[shelter.id].open
    ]
