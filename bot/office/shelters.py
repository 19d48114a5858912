"""Opening and closing shelters: a change to what residents are told (the nearest open shelters), so it is made
here, by a real officer allowed to send notices, with its audit row in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from bot.office.notice_rules import RuleRefused
from bot.shelters.models import Shelter, folded_name
from bot.shelters.state import OpenState, notice_matches, state_of
from messages.db import MAX_ID
from messages.models import Notice
from messages.said import Said

SHELTERS_LIVE_RULE = "test keys never open or close shelters"


class ShelterNotFound(LookupError):
    """No listed shelter, or more than one, answers to what the officer typed; the message says which."""


def find_shelter(session: Session, name_or_id: str, *, district: str | None = None) -> Shelter:
    """A shelter by its id, or by its name (as the list writes it) and, where two share a name, its district."""
    text = name_or_id.strip()
    if text.isdigit() and int(text) <= MAX_ID:
        shelter = session.get(Shelter, int(text))
        if shelter is None:
            raise ShelterNotFound(f"there is no shelter {text}")
        return shelter
    conditions = [Shelter.name_key == folded_name(text), Shelter.withdrawn_at.is_(None)]
    if district:
        conditions.append(Shelter.district == district)
    found = list(session.scalars(select(Shelter).where(*conditions).order_by(Shelter.id)))
    if not found:
        raise ShelterNotFound(f"no listed shelter is called {text!r}" + (f" in {district}" if district else ""))
    if len(found) > 1:
        listed = "; ".join(f"{s.id} ({s.town} {s.address})" for s in found)
        raise ShelterNotFound(f"{len(found)} shelters are called {text!r}: give the id or the district ({listed})")
    return found[0]


def set_shelter_open(
    session: Session,
    shelter_id: int,
    open: bool,
    *,
    by: Actor,  # noqa: A002 (the state it sets)
    now: datetime,
) -> tuple[Shelter, OpenState, Notice | None]:
    """Open or close a shelter as the officer ``by``. Returns the shelter, its state now, and the live
    shelter_open notice that still tells residents it is open, if one does after a close (the officer should
    cancel or update it)."""
    if by.is_test_key:
        raise RuleRefused(
            SHELTERS_LIVE_RULE,
            "a test API key cannot open or close a shelter: residents would be sent to it, or away from it",
            code="test_key.shelters",
        )
    by.require(Permission.SEND)
    shelter = session.get(Shelter, shelter_id)
    if shelter is None:
        raise ShelterNotFound(f"there is no shelter {shelter_id}")
    if shelter.withdrawn_at is not None and open:
        raise ShelterNotFound(
            f"shelter {shelter_id} ({shelter.name}) is no longer on the national list: it cannot be opened"
        )
    shelter.open = open
    shelter.open_changed_at = now
    shelter.open_changed_by = by.username
    record(
        session,
        by,
        AuditAction.OPEN_SHELTER if open else AuditAction.CLOSE_SHELTER,
        "shelter",
        shelter.id,
        now=now,
        summary=Said(f"{shelter.town} {shelter.name}", "shelter", town=shelter.town, name=shelter.name),
    )
    notice = notice_matches(session, now=now).by_shelter.get(shelter.id)
    return shelter, state_of(shelter, notice), notice if notice is not None and not open else None
