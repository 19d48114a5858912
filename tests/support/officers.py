"""Officers for tests: created with a known password, and the command-line options that act as them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.office.accounts import Actor, actor_of, create_officer, find_officer

PASSWORD = "a long enough test password"


def add_officer(session, username: str, role: str = "editor", *, password: str = PASSWORD):
    """The officer (created if missing) with this role and password; flushed, not committed."""
    officer = find_officer(session, username)
    if officer is None:
        officer, _ = create_officer(session, username, role, password=password)
    return officer


def officers(session_factory, **roles: str) -> dict[str, Actor]:
    """``officers(factory, chen="editor", lin="approver")``: committed, as console actors by name."""
    with session_factory.begin() as session:
        return {name: actor_of(add_officer(session, name, role)) for name, role in roles.items()}


def password_file(directory: Path, password: str = PASSWORD) -> Path:
    path = directory / f"officer-password-{hashlib.sha256(password.encode()).hexdigest()[:8]}"
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def as_officer(directory: Path, username: str, password: str = PASSWORD) -> list[str]:
    """The options that make a civicast command act as this officer."""
    return ["--by", username, "--password-file", str(password_file(directory, password))]


def api_key(session_factory, username: str, role: str = "editor", *, mode: str = "live") -> str:
    """A new API key of this officer (created if missing), as the Authorization header's value."""
    from bot.office.api_keys import create_api_key

    with session_factory.begin() as session:
        add_officer(session, username, role)
        return f"Bearer {create_api_key(session, username, name=f'{username} {mode} key', mode=mode)[1]}"
