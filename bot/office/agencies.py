"""The agencies that answer petitions: seeded from the glossary's city bureaus, their names kept in every bot
language, added, renamed and retired by admins (audited)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.models import Agency
from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from messages.glossary import Glossary, UnknownTerm
from messages.i18n import LANGUAGES
from messages.refusal import Refusal
from messages.said import Languages, Said, Word, joined
from messages.text import TextRefused, clean_text

# The city's bureaus that answer residents' petitions, as the glossary names them (in every bot language).
SEEDED_AGENCIES = (
    "public_works_bureau",
    "environmental_protection_bureau",
    "transportation_bureau",
    "police_department",
    "water_resources_bureau",
    "social_affairs_bureau",
    "health_department",
    "fire_bureau",
    "economic_development_bureau",
    "civil_affairs_bureau",
    "agriculture_bureau",
    "labor_affairs_bureau",
    "marine_bureau",
    "information_bureau",
    "disaster_response_center",
)
AGENCY_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}\Z")
MAX_NAME = 120


class AgencyError(Refusal, ValueError):
    """An agency cannot be added or changed as asked; the message says why (and ``code``, to the console)."""


def glossary_names(glossary: Glossary, key: str) -> dict[str, str]:
    return {language: glossary.name("agency", key, language) for language in LANGUAGES}


def seed_agencies(session: Session, glossary: Glossary) -> list[str]:
    """Add the seeded agencies that are missing (an admin's renaming or retiring of one is kept)."""
    existing = set(session.scalars(select(Agency.key)))
    added = [key for key in SEEDED_AGENCIES if key not in existing]
    for key in added:
        session.add(Agency(key=key, names=glossary_names(glossary, key), active=True))
    session.flush()
    return added


def list_agencies(session: Session, *, active_only: bool = False) -> list[Agency]:
    query = select(Agency).order_by(Agency.key)
    if active_only:
        query = query.where(Agency.active.is_(True))
    return list(session.scalars(query))


def _clean_names(names: dict[str, str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for language, name in names.items():
        if language not in LANGUAGES:
            raise AgencyError(f"{language!r} is not a bot language", code="agency.bad_language", language=language)
        try:
            value = clean_text(f"name ({language})", name, max_length=MAX_NAME).strip()
        except TextRefused as exc:
            raise AgencyError(str(exc), code="agency.bad_name", languages=[language], problem=exc.reason) from None
        if value:
            cleaned[language] = value
    if "en" not in cleaned:
        raise AgencyError("name (en): an agency needs at least its English name", code="agency.english_needed")
    return cleaned


def add_agency(
    session: Session, actor: Actor, key: str, *, names: dict[str, str], glossary: Glossary, now: datetime
) -> Agency:
    """A new agency; languages left empty take the glossary's name when the key is a glossary agency."""
    actor.require(Permission.MANAGE_OFFICERS)
    key = key.strip().lower()
    if not AGENCY_KEY.match(key):
        raise AgencyError(
            f"key: {key!r} is not an agency key (2–64 lower-case letters, digits and '_')", code="agency.bad_key"
        )
    if session.get(Agency, key) is not None:
        raise AgencyError(f"key: there is already an agency {key}", code="agency.exists", key=key)
    try:
        defaults = glossary_names(glossary, key)
    except UnknownTerm:
        defaults = {}
    given = {language: name for language, name in names.items() if name.strip()}
    agency = Agency(key=key, names=_clean_names(defaults | given), active=True, updated_at=now)
    session.add(agency)
    session.flush()
    record(
        session,
        actor,
        AuditAction.ADD_AGENCY,
        "agency",
        key,
        now=now,
        summary=Said(agency.name("en"), "agency.added", agency=Word("agency.", key)),
    )
    return agency


def edit_agency(
    session: Session, actor: Actor, key: str, *, names: dict[str, str], active: bool, now: datetime
) -> Agency:
    """Rename an agency (names left empty keep their value) or retire it: a retired agency gets no new cases;
    its open cases stay with it until an officer transfers them."""
    actor.require(Permission.MANAGE_OFFICERS)
    agency = session.get(Agency, key)
    if agency is None:
        raise AgencyError(f"there is no agency {key!r}", code="account.unknown_agency", agency=key)
    before = dict(agency.names), agency.active
    agency.names = _clean_names(dict(agency.names) | {k: v for k, v in names.items() if v.strip()})
    agency.active = active
    agency.updated_at = now
    changed = [language for language in LANGUAGES if agency.names.get(language) != before[0].get(language)]
    parts = (
        [Said(f"names: {', '.join(changed)}", "agency.names", languages=Languages(tuple(changed)))] if changed else []
    )
    if active != before[1]:
        parts.append(Said("active", "agency.active") if active else Said("retired", "agency.retired"))
    record(
        session,
        actor,
        AuditAction.EDIT_AGENCY,
        "agency",
        key,
        now=now,
        summary=joined(parts, separator=", ") if parts else Said("unchanged", "agency.unchanged"),
        detail={"before": before[0], "after": agency.names},
    )
    return agency
