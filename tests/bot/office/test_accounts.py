"""Officer accounts and API keys: argon2 passwords checked with one verification on every path, keys shown once
and checked in constant time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from bot.office.accounts import (
    AccountError,
    LoginRefused,
    authenticate,
    create_officer,
    find_officer,
    set_active,
    set_password,
)
from bot.office.api_keys import InvalidApiKey, create_api_key, revoke_api_key, verify_api_key

NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
PASSWORD = "typhoon-night-2026"


@pytest.fixture
def session(services):
    with services.session_factory.begin() as session:
        create_officer(session, "ed-lin", "editor", password=PASSWORD)
    with services.session_factory.begin() as session:
        yield session


def test_passwords_are_stored_as_argon2id_hashes(session):
    officer = find_officer(session, "ED-LIN")
    assert officer.password_hash.startswith("$argon2id$") and PASSWORD not in officer.password_hash
    assert authenticate(session, "ed-lin", PASSWORD, now=NOW).last_login_at == NOW


@pytest.mark.parametrize(
    ("username", "role", "password", "problem"),
    [
        ("Ed Lin", "editor", PASSWORD, "not a username"),
        ("ed-wu", "chief", PASSWORD, "not a role"),
        ("ed-wu", "editor", "short", "at least 12 characters"),
        ("ed-lin", "editor", PASSWORD, "already an officer"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(session, username, role, password, problem):
    with pytest.raises(AccountError, match=problem):
        create_officer(session, username, role, password=password)


class CountingHasher(PasswordHasher):
    """argon2 with cheap parameters that counts the passwords it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash, password):  # noqa: A002  (argon2's own parameter name)
        self.verified += 1
        return super().verify(hash, password)


def test_no_account_is_ever_locked_and_a_reset_password_works_at_once(session):
    for _ in range(20):
        with pytest.raises(LoginRefused):
            authenticate(session, "ed-lin", "wrong", now=NOW)
    assert authenticate(session, "ed-lin", PASSWORD, now=NOW).last_login_at == NOW
    set_password(session, "ed-lin", "a-brand-new-password", now=NOW)
    assert authenticate(session, "ed-lin", "a-brand-new-password", now=NOW).username == "ed-lin"


def test_every_refusal_says_the_same_and_verifies_exactly_one_password(session):
    create_officer(session, "ap-gone", "approver", password=PASSWORD)
    set_active(session, "ap-gone", False, now=NOW)
    hasher = CountingHasher()
    answers = {}
    for reason, username, password, throttled in (
        ("unknown", "nobody", PASSWORD, False),
        ("inactive", "ap-gone", PASSWORD, False),
        ("wrong", "ed-lin", "wrong", False),
        ("empty", "", "", False),
        ("throttled", "ed-lin", PASSWORD, True),
    ):
        before = hasher.verified
        with pytest.raises(LoginRefused) as refused:
            authenticate(session, username, password, now=NOW, throttled=throttled, hasher=hasher)
        assert hasher.verified == before + 1, reason
        assert refused.value.throttled is throttled
        answers[reason] = str(refused.value)
    assert len(set(answers.values())) == 1
    before = hasher.verified
    authenticate(session, "ed-lin", PASSWORD, now=NOW, hasher=hasher)
    assert hasher.verified == before + 1
    # The cheaper hasher's parameters replace the stored hash's at the next sign-in.
    assert find_officer(session, "ed-lin").password_hash.startswith("$argon2id$v=19$m=1024,t=1,p=1$")


def test_an_api_key_is_shown_once_and_acts_as_its_officer_until_revoked(session):
    key, secret = create_api_key(session, "ed-lin", name="newsroom script", mode="test")
    assert secret.startswith(f"cvk_test_{key.key_id}_") and secret.split("_", 3)[3] not in key.secret_hash
    found, officer = verify_api_key(session, secret, now=NOW)
    assert (found.id, officer.username, found.last_used_at) == (key.id, "ed-lin", NOW)
    for forged in (
        secret[:-1] + ("A" if secret[-1] != "A" else "B"),
        secret.replace("cvk_test", "cvk_live"),
        "Bearer nonsense",
    ):
        with pytest.raises(InvalidApiKey):
            verify_api_key(session, forged, now=NOW)
    revoke_api_key(session, key.key_id, now=NOW)
    with pytest.raises(InvalidApiKey, match="revoked"):
        verify_api_key(session, secret, now=NOW)
    with pytest.raises(AccountError, match="not a key mode"):
        create_api_key(session, "ed-lin", name="x", mode="prod")
