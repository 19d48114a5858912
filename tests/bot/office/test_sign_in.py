"""The sign-in throttle: per (address, username), growing, counted from the audit log; the per-address limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.office.accounts import LoginRefused, create_officer
from bot.office.audit import entries
from bot.office.sign_in import (
    FAILURE_MEMORY,
    FREE_FAILURES,
    MAX_DELAY,
    MAX_REFUSED_PER_ADDRESS,
    address_waits,
    delay_after,
    sign_in,
    throttled_until,
)
from tests.conftest import CHEAP_HASHER

NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
PASSWORD = "typhoon-night-2026"
HERE, ELSEWHERE = "198.51.100.7", "192.0.2.44"


@pytest.fixture
def session(services):
    with services.session_factory.begin() as session:
        create_officer(session, "ap-chen", "approver", password=PASSWORD)
    with services.session_factory.begin() as session:
        yield session


def attempt(session, password, *, at, address=HERE, username="ap-chen") -> bool:
    """One sign-in; True when it opened a session."""
    try:
        sign_in(session, username, password, address=address, now=at, hasher=CHEAP_HASHER)
    except LoginRefused:
        return False
    return True


def test_the_first_five_failures_are_free_then_each_wait_doubles_up_to_a_ceiling():
    assert [delay_after(n).total_seconds() for n in range(FREE_FAILURES)] == [0] * FREE_FAILURES
    assert [delay_after(FREE_FAILURES + n).total_seconds() for n in range(5)] == [1, 2, 4, 8, 16]
    assert delay_after(FREE_FAILURES + 30) == delay_after(10**6) == MAX_DELAY


def test_the_wait_grows_with_each_wrong_password_and_a_right_one_during_it_is_refused_unjudged(session):
    for _ in range(FREE_FAILURES):
        assert not attempt(session, "wrong", at=NOW)
    assert throttled_until(session, HERE, "ap-chen", now=NOW) == NOW + timedelta(seconds=1)
    assert not attempt(session, PASSWORD, at=NOW + timedelta(milliseconds=500))  # the right password, too early
    assert not attempt(session, "wrong", at=NOW + timedelta(seconds=1))  # allowed to try: the sixth wrong one
    assert throttled_until(session, HERE, "ap-chen", now=NOW + timedelta(seconds=1)) == NOW + timedelta(seconds=3)
    assert not attempt(session, PASSWORD, at=NOW + timedelta(seconds=2.5))
    assert attempt(session, PASSWORD, at=NOW + timedelta(seconds=3))
    # A success starts the count again.
    assert throttled_until(session, HERE, "ap-chen", now=NOW + timedelta(seconds=3)) is None
    for _ in range(FREE_FAILURES - 1):
        assert not attempt(session, "wrong", at=NOW + timedelta(seconds=4))
    assert throttled_until(session, HERE, "ap-chen", now=NOW + timedelta(seconds=4)) is None
    actions = [e.action for e in reversed(entries(session, subject_type="officer", subject_id="ap-chen")[0])]
    assert actions == (
        ["login_failed"] * 5 + ["throttled", "login_failed", "throttled", "login"] + ["login_failed"] * 4
    )
    assert {e.summary for e in entries(session, subject_type="officer")[0]} == {HERE}


def test_the_throttle_is_per_address_and_username_so_nobody_can_lock_an_approver_out(session):
    for _ in range(FREE_FAILURES + 3):
        attempt(session, "wrong", at=NOW)
    assert throttled_until(session, HERE, "ap-chen", now=NOW) is not None
    assert attempt(session, PASSWORD, at=NOW, address=ELSEWHERE)  # the approver, from the operations room
    assert throttled_until(session, HERE, "someone-else", now=NOW) is None
    assert throttled_until(session, ELSEWHERE, "ap-chen", now=NOW) is None


def test_wrong_passwords_are_forgotten_after_a_while_and_the_wait_has_a_ceiling(session):
    at = NOW
    for n in range(FREE_FAILURES + 12):  # about 25 minutes of trying, each try as soon as it is allowed
        at += delay_after(n)
        assert not attempt(session, "wrong", at=at)
    assert throttled_until(session, HERE, "ap-chen", now=at) == at + MAX_DELAY
    assert not attempt(session, PASSWORD, at=at + MAX_DELAY - timedelta(seconds=1))
    assert attempt(session, PASSWORD, at=at + MAX_DELAY)
    later = NOW + timedelta(days=1)
    for _ in range(FREE_FAILURES):
        attempt(session, "wrong", at=later)
    assert throttled_until(session, HERE, "ap-chen", now=later + FAILURE_MEMORY + timedelta(seconds=1)) is None


def test_an_unknown_username_is_throttled_like_a_known_one(session):
    for _ in range(FREE_FAILURES):
        attempt(session, "guess", at=NOW, username="nobody")
        attempt(session, "guess", at=NOW, username="Not A Name\x00")
    assert throttled_until(session, HERE, "nobody", now=NOW) == NOW + timedelta(seconds=1)
    assert throttled_until(session, HERE, "-", now=NOW) == NOW + timedelta(seconds=1)  # unreadable names: one bucket


def test_an_address_with_many_refusals_waits_whatever_the_usernames(session):
    for n in range(MAX_REFUSED_PER_ADDRESS - 1):
        attempt(session, "guess", at=NOW, username=f"user-{n}")
    assert not address_waits(session, HERE, now=NOW)
    attempt(session, "guess", at=NOW, username="one-more")
    assert address_waits(session, HERE, now=NOW) and not address_waits(session, ELSEWHERE, now=NOW)
    assert not address_waits(session, HERE, now=NOW + timedelta(minutes=15, seconds=1))
