"""Officer accounts and API keys: argon2 passwords, the lock-out, keys shown once and checked in constant time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.office.accounts import (
    MAX_FAILED_LOGINS,
    AccountError,
    LoginRefused,
    authenticate,
    create_officer,
    find_officer,
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


@pytest.mark.parametrize(("username", "role", "password", "problem"), [
    ("Ed Lin", "editor", PASSWORD, "not a username"),
    ("ed-wu", "chief", PASSWORD, "not a role"),
    ("ed-wu", "editor", "short", "at least 12 characters"),
    ("ed-lin", "editor", PASSWORD, "already an officer"),
])
def test_bad_accounts_are_refused_with_the_reason(session, username, role, password, problem):
    with pytest.raises(AccountError, match=problem):
        create_officer(session, username, role, password=password)


def test_five_wrong_passwords_lock_the_account_for_a_while(session):
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginRefused) as refused:
            authenticate(session, "ed-lin", "wrong", now=NOW)
        assert refused.value.locked_until is None
    with pytest.raises(LoginRefused) as refused:
        authenticate(session, "ed-lin", "wrong", now=NOW)
    locked_until = refused.value.locked_until
    assert locked_until == NOW + timedelta(minutes=15)
    with pytest.raises(LoginRefused, match="locked"):
        authenticate(session, "ed-lin", PASSWORD, now=NOW + timedelta(minutes=14))
    assert authenticate(session, "ed-lin", PASSWORD, now=NOW + timedelta(minutes=16)).locked_until is None


def test_a_success_resets_the_count_and_an_admin_reset_lifts_a_lock(session):
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginRefused):
            authenticate(session, "ed-lin", "wrong", now=NOW)
    authenticate(session, "ed-lin", PASSWORD, now=NOW)
    assert find_officer(session, "ed-lin").failed_logins == 0
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused):
            authenticate(session, "ed-lin", "wrong", now=NOW)
    set_password(session, "ed-lin", "a-brand-new-password", now=NOW)
    assert authenticate(session, "ed-lin", "a-brand-new-password", now=NOW).username == "ed-lin"


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(session):
    with pytest.raises(LoginRefused) as unknown:
        authenticate(session, "nobody", PASSWORD, now=NOW)
    with pytest.raises(LoginRefused) as wrong:
        authenticate(session, "ed-lin", "wrong", now=NOW)
    assert str(unknown.value) == str(wrong.value)


def test_an_api_key_is_shown_once_and_acts_as_its_officer_until_revoked(session):
    key, secret = create_api_key(session, "ed-lin", name="newsroom script", mode="test")
    assert secret.startswith(f"cvk_test_{key.key_id}_") and secret.split("_", 3)[3] not in key.secret_hash
    found, officer = verify_api_key(session, secret, now=NOW)
    assert (found.id, officer.username, found.last_used_at) == (key.id, "ed-lin", NOW)
    for forged in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), secret.replace("cvk_test", "cvk_live"),
                   "Bearer nonsense"):
        with pytest.raises(InvalidApiKey):
            verify_api_key(session, forged, now=NOW)
    revoke_api_key(session, key.key_id, now=NOW)
    with pytest.raises(InvalidApiKey, match="revoked"):
        verify_api_key(session, secret, now=NOW)
    with pytest.raises(AccountError, match="not a key mode"):
        create_api_key(session, "ed-lin", name="x", mode="prod")
