"""Officers: passwords hashed with argon2id, roles as data, and the one password check sign-in makes.

Sign-in's throttle (per address and username) is in ``bot.office.sign_in``: no account is ever locked.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.models import Agency
from bot.office.console_sessions import EndReason, end_officer_sessions
from bot.office.models import Officer, Role
from messages.refusal import Refusal
from messages.text import TextRefused, clean_text, text_problem

MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}\Z")  # \Z: "$" would let a trailing newline in
_hasher = PasswordHasher()
# Verified against when there is no usable account, so an unknown name costs what a wrong password does;
# one per set of hashing parameters, made the first time they are used.
_stand_in_hashes: dict[tuple[object, ...], str] = {}


class Permission(StrEnum):
    COMPOSE = "compose"  # create, edit and submit notices; cancel one's own drafts
    APPROVE = "approve"  # approve or reject another officer's notice
    SEND = "send"  # send now, schedule, cancel and issue Updates and Cancels of approved notices
    REVIEW_TRANSLATIONS = "review_translations"
    EDIT_FAQ = "edit_faq"
    VIEW_CASES = "view_cases"  # petitions, without officers' internal notes
    HANDLE_CASES = "handle_cases"  # change and assign petitions, tell residents, read and write internal notes
    VIEW = "view"  # notices, delivery, subscribers, audit log
    MANAGE_OFFICERS = "manage_officers"  # officers and API keys


_VIEWER = {Permission.VIEW, Permission.VIEW_CASES}
_EDITOR = _VIEWER | {Permission.COMPOSE, Permission.REVIEW_TRANSLATIONS, Permission.EDIT_FAQ, Permission.HANDLE_CASES}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.EDITOR: frozenset(_EDITOR),
    Role.APPROVER: frozenset(_EDITOR | {Permission.APPROVE, Permission.SEND}),
    Role.ADMIN: frozenset(Permission),
    # Their agency's petitions only (``bot.office.cases`` narrows every case they read or change).
    Role.AGENCY_OFFICER: frozenset({Permission.VIEW_CASES, Permission.HANDLE_CASES}),
}


class AccountError(Refusal, ValueError):
    """An officer account cannot be created or changed as asked; the message says why (and ``code``, to the console)."""


class LoginRefused(Exception):
    """The username and password did not open a session. The words are the same whatever the reason, so they
    tell nobody whether the username exists or is being throttled; ``throttled`` is for the audit log."""

    def __init__(self, *, throttled: bool = False) -> None:
        super().__init__("wrong username or password, or too many attempts: wait a little and try again")
        self.throttled = throttled


class PermissionDenied(Refusal):
    """The officer's role does not allow this; the message names what was asked (``code`` ``role``: the officer's
    ``role`` and the ``action`` asked, a Permission or the verb being done)."""


@dataclass(frozen=True)
class Actor:
    """Who is acting, as every office function needs it: name, role, and by which door they came."""

    username: str
    role: Role
    via: str = "console"  # console, api, cli, demo
    key_mode: str | None = None  # the API key's mode when via="api"
    key_id: str | None = None  # the API key's public id when via="api"
    agency: str | None = None  # an agency officer's agency: the only cases they see and answer

    @property
    def is_test_key(self) -> bool:
        return self.key_mode == "test"

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission, *, doing: StrEnum | None = None) -> None:
        """Refuse unless the role has ``permission``; the refusal names ``doing`` (what the officer asked, e.g. a
        reject that needs the approve permission) or else the permission."""
        if not self.can(permission):
            action = doing or permission
            raise PermissionDenied(
                f"{self.username} is {self.role.value}; {action.value} needs another role",
                code="role",
                username=self.username,
                role=self.role,
                action=action,
            )


def actor_of(
    officer: Officer, *, via: str = "console", key_mode: str | None = None, key_id: str | None = None
) -> Actor:
    return Actor(officer.username, Role(officer.role), via, key_mode, key_id, agency=officer.agency)


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise AccountError(
            f"{value!r} is not a role; use one of {', '.join(r.value for r in Role)}",
            code="account.unknown_role",
            role=value,
        ) from None


def hash_password(password: str) -> str:
    problem = text_problem(password)
    if problem:
        raise AccountError(f"the password {problem}", code="account.password_refused", problem=problem)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
            code="account.password_short",
            minimum=MIN_PASSWORD_LENGTH,
        )
    return _hasher.hash(password)


def new_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters


def create_officer(
    session: Session,
    username: str,
    role: str,
    *,
    display_name: str | None = None,
    password: str | None = None,
    agency: str | None = None,
) -> tuple[Officer, str]:
    """A new officer and their password (generated when not given); an agency officer names their agency.
    Raises AccountError."""
    username = username.strip().lower()
    agency = _officer_agency(session, parse_role(role), agency)
    if display_name is not None:
        try:
            display_name = clean_text("display name", display_name, max_length=120).strip()
        except TextRefused as exc:
            raise AccountError(str(exc), code="text", field="display_name", problem=exc.reason) from None
    if not USERNAME.match(username):
        raise AccountError(
            f"{username!r} is not a username: 2–64 lower-case letters, digits, '.', '_' or '-'",
            code="account.bad_username",
            username=username,
        )
    if session.scalar(select(Officer.id).where(Officer.username == username)) is not None:
        raise AccountError(f"there is already an officer called {username}", code="account.exists", username=username)
    password = password or new_password()
    officer = Officer(
        username=username,
        display_name=display_name or username,
        role=parse_role(role).value,
        password_hash=hash_password(password),
        active=True,
        agency=agency,
    )
    session.add(officer)
    session.flush()
    return officer, password


def _officer_agency(session: Session, role: Role, agency: str | None) -> str | None:
    agency = (agency or "").strip() or None
    if role != Role.AGENCY_OFFICER:
        if agency:
            raise AccountError(
                "only an agency officer belongs to an agency; leave the agency empty for this role",
                code="account.agency_not_needed",
            )
        return None
    if agency is None:
        raise AccountError("an agency officer needs an agency: name one of the agencies", code="account.agency_needed")
    found = session.get(Agency, agency) if not text_problem(agency) else None
    if found is None:
        raise AccountError(f"there is no agency {agency!r}", code="account.unknown_agency", agency=agency)
    return agency


def find_officer(session: Session, username: str) -> Officer | None:
    return session.scalar(select(Officer).where(Officer.username == username.strip().lower()))


def _stand_in_hash(hasher: PasswordHasher) -> str:
    parameters = (
        hasher.type,
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
        hasher.hash_len,
        hasher.salt_len,
    )
    if parameters not in _stand_in_hashes:
        _stand_in_hashes[parameters] = hasher.hash(secrets.token_urlsafe(16))
    return _stand_in_hashes[parameters]


_stand_in_hash(_hasher)  # made now, so that even the first unknown name costs no more than a wrong password


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime,
    throttled: bool = False,
    hasher: PasswordHasher | None = None,
) -> Officer:
    """The officer, or LoginRefused.

    Every path verifies exactly one password — unknown or inactive username, wrong password, throttled
    (``throttled``: refuse whatever the password, as the caller's throttle says to wait), success — so
    neither the answer nor the time it takes tells the reasons apart.
    """
    hasher = hasher or _hasher
    name = username.strip().lower()
    officer = find_officer(session, name) if USERNAME.match(name) else None  # what cannot be a name is not looked up
    usable = officer is not None and officer.active
    verified: bool
    try:
        verified = hasher.verify(
            officer.password_hash if officer is not None and usable else _stand_in_hash(hasher), password or "-"
        )
    except (VerificationError, InvalidHashError):
        verified = False
    if throttled or not verified or officer is None or not usable:
        raise LoginRefused(throttled=throttled)
    if hasher.check_needs_rehash(officer.password_hash):
        officer.password_hash = hasher.hash(password)
    officer.last_login_at = now
    return officer


def set_password(session: Session, username: str, password: str, *, now: datetime) -> Officer:
    """A new password; it signs the officer out of every console session."""
    officer = find_officer(session, username)
    if officer is None:
        raise AccountError(f"there is no officer called {username}", code="account.none", username=username)
    officer.password_hash = hash_password(password)
    end_officer_sessions(session, officer.id, now=now, reason=EndReason.PASSWORD_CHANGED)
    return officer


def set_active(session: Session, username: str, active: bool, *, now: datetime) -> Officer:
    """Deactivating signs the officer out everywhere, so activating again does not revive old sessions."""
    officer = find_officer(session, username)
    if officer is None:
        raise AccountError(f"there is no officer called {username}", code="account.none", username=username)
    officer.active = active
    if not active:
        end_officer_sessions(session, officer.id, now=now, reason=EndReason.DEACTIVATED)
    return officer


def list_officers(session: Session) -> list[Officer]:
    return list(session.scalars(select(Officer).order_by(Officer.username)))
