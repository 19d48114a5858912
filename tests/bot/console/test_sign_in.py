"""Signing in to the console as an attacker would try it: the same answer, status and work for a wrong password,
an unknown user and a throttled one; a throttle per (address, username) that nobody elsewhere can use to lock
an approver out; a per-address limit that follows the real client behind the configured proxies."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.office.accounts import create_officer, set_active
from bot.office.models import AuditEntry
from bot.office.services import Services
from bot.office.sign_in import FREE_FAILURES, MAX_REFUSED_PER_ADDRESS, delay_after
from bot.settings import load_settings
from tests.bot.office.test_accounts import CountingHasher

PASSWORD = "approver-password-2026"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
OFFICE, ATTACKER, OPERATIONS_ROOM, PROXY = "198.51.100.7", "203.0.113.66", "192.0.2.44", "10.0.0.2"


class SignInWorld:
    def __init__(self, tmp_path, database_url, *, trusted_proxy_hops: int = 0) -> None:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
            f"web:\n  trusted_proxy_hops: {trusted_proxy_hops}\n",
            encoding="utf-8",
        )
        self.services = Services(load_settings(config, environ={}))
        with self.services.session_factory.begin() as session:
            create_officer(session, "ap-chen", "approver", password=PASSWORD)
            create_officer(session, "ap-gone", "approver", password=PASSWORD)
            set_active(session, "ap-gone", False, now=datetime.now(UTC))
        self.hasher = CountingHasher()
        self.app = create_app(
            self.services.settings, self.services, resume_webhook_events=False, password_hasher=self.hasher
        )

    def browser(self, address: str, forwarded_for: str | None = None):
        client = self.app.test_client()
        client.environ_base.update(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
        if forwarded_for is not None:
            client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
        client.token = TOKEN.search(client.get("/console/login").get_data(as_text=True)).group(1)
        return client

    def sign_in(self, client, username: str = "ap-chen", password: str = PASSWORD):
        """The answer, and how many passwords the server verified to give it."""
        before = self.hasher.verified
        response = client.post(
            "/console/login", data={"username": username, "password": password, "csrf_token": client.token}
        )
        return response, self.hasher.verified - before

    def time_passes(self, seconds: float) -> None:
        """Move every recorded sign-in back in time, as if the seconds had gone by."""
        with self.services.session_factory.begin() as session:
            for entry in session.scalars(select(AuditEntry)):
                entry.at -= timedelta(seconds=seconds)

    def refusal_addresses(self) -> set[str]:
        with self.services.session_factory() as session:
            return set(
                session.scalars(select(AuditEntry.summary).where(AuditEntry.action.in_(("login_failed", "throttled"))))
            )

    def close(self) -> None:
        self.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
        self.services.close()


@pytest.fixture
def world(tmp_path, database_url, engine):
    built = SignInWorld(tmp_path, database_url)
    yield built
    built.close()


def test_wrong_password_unknown_user_inactive_and_throttled_get_the_same_answer_for_the_same_work(world):
    attacker = world.browser(ATTACKER)
    answers = {}
    for reason, username, password in (
        ("wrong password", "ap-chen", "guess-123456"),
        ("unknown user", "nobody", PASSWORD),
        ("inactive", "ap-gone", PASSWORD),
        ("empty", "", ""),
        ("not a name", "ap-chen\x00", PASSWORD),
    ):
        response, verified = world.sign_in(attacker, username, password)
        answers[reason] = (response.status_code, response.get_data(as_text=True))
        assert verified == 1, reason
    for _ in range(FREE_FAILURES - 1):
        world.sign_in(attacker, "ap-chen", "guess-123456")
    response, verified = world.sign_in(attacker, "ap-chen", PASSWORD)  # the right password, while throttled
    answers["throttled"] = (response.status_code, response.get_data(as_text=True))
    assert verified == 1
    assert len(set(answers.values())) == 1, {reason: status for reason, (status, _) in answers.items()}
    status, body = answers["throttled"]
    assert status == 401 and "the username or password is wrong, or this username was tried too often" in body
    assert attacker.get("/console/").status_code == 302  # not signed in


def test_the_throttle_grows_per_address_and_username_and_the_approver_signs_in_from_elsewhere(world):
    attacker = world.browser(ATTACKER)
    for _ in range(FREE_FAILURES):
        assert world.sign_in(attacker, "ap-chen", "guess-123456")[0].status_code == 401
    # Each next wrong password as soon as it is allowed: the waits double, 1 s, 2 s … 32 s, then 64 s.
    for extra in range(6):
        world.time_passes(delay_after(FREE_FAILURES + extra).total_seconds())
        assert world.sign_in(attacker, "ap-chen", "guess-123456")[0].status_code == 401
    assert delay_after(FREE_FAILURES + 6) == timedelta(seconds=64)
    # Meanwhile the approver, from the operations room and from the office, signs in at once.
    assert world.sign_in(world.browser(OPERATIONS_ROOM))[0].status_code == 302
    assert world.sign_in(world.browser(OFFICE))[0].status_code == 302
    # From the attacker's address even the right password is refused until the wait is over.
    assert world.sign_in(attacker)[0].status_code == 401
    world.time_passes(32)
    assert world.sign_in(attacker)[0].status_code == 401
    world.time_passes(32)
    assert world.sign_in(attacker)[0].status_code == 302


def test_twenty_refusals_from_one_address_make_it_wait_whatever_the_usernames(world):
    guesser = world.browser(ATTACKER)
    for n in range(MAX_REFUSED_PER_ADDRESS):
        assert world.sign_in(guesser, f"user-{n}", "guess-123456")[0].status_code == 401
    refused, verified = world.sign_in(guesser)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
    assert "Too many refused sign-ins came from this network address" in refused.get_data(as_text=True)
    assert verified == 0  # the answer depends on no username: nothing to verify, nothing to spend on it
    assert guesser.get("/console/").status_code == 302
    assert world.sign_in(world.browser(OFFICE))[0].status_code == 302


@pytest.mark.parametrize("hops", [0, 1])
def test_the_address_limit_follows_x_forwarded_for_only_behind_a_trusted_proxy(tmp_path, database_url, engine, hops):
    world = SignInWorld(tmp_path, database_url, trusted_proxy_hops=hops)
    try:
        # An attacker behind the proxy, making up a different X-Forwarded-For each time: the proxy appends the
        # address it saw, and with one trusted hop that last one is the client.
        for n in range(MAX_REFUSED_PER_ADDRESS):
            guesser = world.browser(PROXY, forwarded_for=f"192.0.2.{n}, {ATTACKER}")
            assert world.sign_in(guesser, f"user-{n}", "guess-123456")[0].status_code == 401
        again = world.browser(PROXY, forwarded_for=f"192.0.2.99, {ATTACKER}")
        assert world.sign_in(again)[0].status_code == 429
        colleague = world.browser(PROXY, forwarded_for=OFFICE)  # another resident of the same proxy
        if hops:
            assert world.refusal_addresses() == {ATTACKER}  # never the proxy's own address
            assert world.sign_in(colleague)[0].status_code == 302
            no_header = world.browser(PROXY)
            response, verified = world.sign_in(no_header)
            assert response.status_code == 400 and verified == 0
            assert "this request did not come through the site" in response.get_data(as_text=True)
        else:  # no proxy to trust: the header is anyone's to write, and ignored
            assert world.refusal_addresses() == {PROXY}
            assert world.sign_in(colleague)[0].status_code == 429
    finally:
        world.close()
