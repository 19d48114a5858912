"""API keys: ``cvk_<mode>_<key id>_<secret>``, shown once; the secret is kept only as a SHA-256 hash.

A key's secret is 32 random bytes, so a fast hash is enough (there is nothing to guess); the
comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.office.accounts import AccountError, find_officer
from bot.office.models import ApiKey, KeyMode, Officer
from messages.text import TextRefused, clean_text, text_problem

KEY_FORMAT = re.compile(r"^cvk_(test|live)_([a-z0-9]{12})_([A-Za-z0-9_-]{20,100})$")


class InvalidApiKey(Exception):
    """The key is malformed, unknown, revoked or its officer is inactive."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(session: Session, username: str, *, name: str, mode: str) -> tuple[ApiKey, str]:
    """A key for this officer, who is the one creating it (the console and the command line ask for nobody
    else's name): a key acts as its officer, so nobody mints one for somebody else."""
    officer = find_officer(session, username)
    if officer is None or not officer.active:
        raise AccountError(f"there is no active officer called {username}", code="account.no_active", username=username)
    try:
        name = clean_text("name", name, max_length=120)
    except TextRefused as exc:
        raise AccountError(str(exc), code="text", field="name", problem=exc.reason) from None
    try:
        key_mode = KeyMode(mode)
    except ValueError:
        raise AccountError(f"{mode!r} is not a key mode; use test or live", code="key.bad_mode", mode=mode) from None
    if not name.strip():
        raise AccountError("give the key a name saying what uses it", code="key.name_needed")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        key_id=key_id, secret_hash=_hash(secret), name=name.strip()[:120], mode=key_mode.value, officer_id=officer.id
    )
    session.add(key)
    session.flush()
    return key, f"cvk_{key_mode.value}_{key_id}_{secret}"


def verify_api_key(session: Session, presented: str, *, now: datetime) -> tuple[ApiKey, Officer]:
    match = KEY_FORMAT.match(presented.strip())
    if not match:
        raise InvalidApiKey("the API key is not in the form cvk_<test|live>_<id>_<secret>")
    mode, key_id, secret = match.groups()
    key = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
    if key is None or key.mode != mode or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        raise InvalidApiKey("the API key is not known")
    if key.revoked_at is not None:
        raise InvalidApiKey("the API key was revoked")
    if not key.officer.active:
        raise InvalidApiKey("the API key's officer is no longer active")
    key.last_used_at = now
    return key, key.officer


def revoke_api_key(session: Session, key_id: str, *, now: datetime, owner: str | None = None) -> ApiKey:
    """Revoke a key; with ``owner``, only one of that officer's own keys."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id)) if not text_problem(key_id) else None
    if key is None or (owner is not None and key.officer.username != owner):
        raise AccountError(f"there is no API key {key_id}", code="key.none", key_id=key_id)
    key.revoked_at = key.revoked_at or now
    return key


def list_api_keys(session: Session, owner: str | None = None) -> list[ApiKey]:
    """Every key, newest first; with ``owner``, only that officer's."""
    query = select(ApiKey).options(joinedload(ApiKey.officer)).order_by(ApiKey.id.desc())
    if owner is not None:
        query = query.join(ApiKey.officer).where(Officer.username == owner)
    return list(session.scalars(query))
