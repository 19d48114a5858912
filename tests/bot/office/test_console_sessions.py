"""Console sessions kept on the server: how long they live, what ends them, what is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.office.accounts import create_officer, set_active, set_password
from bot.office.console_sessions import (
    KEEP_ENDED,
    SEEN_EVERY,
    EndReason,
    end_session,
    live_session,
    open_session_counts,
    start_session,
)
from bot.office.models import ConsoleSession

NOW = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)
EIGHT_HOURS = timedelta(hours=8)


@pytest.fixture
def session(services):
    with services.session_factory.begin() as session:
        yield session


def officer(session, name="ed-lin"):
    made, _ = create_officer(session, name, "editor")
    session.flush()
    return made


def test_a_session_lasts_its_lifetime_from_sign_in_however_busy(session):
    token = start_session(
        session, officer(session), now=NOW, lifetime=EIGHT_HOURS, remote_addr="198.51.100.4", user_agent="Mozilla/5.0"
    )
    for minutes in (1, 90, 479):
        assert live_session(session, token, now=NOW + timedelta(minutes=minutes)) is not None
    assert live_session(session, token, now=NOW + EIGHT_HOURS) is None
    assert live_session(session, "not-a-token", now=NOW) is None


def test_only_the_token_s_hash_is_stored_and_last_seen_is_written_now_and_then(session):
    token = start_session(session, officer(session), now=NOW, lifetime=EIGHT_HOURS)
    row = session.scalar(select(ConsoleSession))
    assert token not in row.token_hash and len(row.token_hash) == 64
    live_session(session, token, now=NOW + SEEN_EVERY / 2)
    assert row.last_seen_at == NOW
    live_session(session, token, now=NOW + SEEN_EVERY * 3)
    assert row.last_seen_at == NOW + SEEN_EVERY * 3


def test_signing_out_ends_one_session_and_a_new_password_or_deactivation_ends_them_all(session):
    editor = officer(session)
    desk, home, phone = (start_session(session, editor, now=NOW, lifetime=EIGHT_HOURS) for _ in range(3))
    assert open_session_counts(session, now=NOW) == {editor.id: 3}
    assert end_session(session, desk, now=NOW) and not end_session(session, desk, now=NOW)
    assert live_session(session, desk, now=NOW) is None and live_session(session, home, now=NOW) is not None
    set_password(session, "ed-lin", "a-brand-new-password", now=NOW)
    assert live_session(session, home, now=NOW) is None and live_session(session, phone, now=NOW) is None
    reasons = sorted(r.ended_reason for r in session.scalars(select(ConsoleSession)))
    assert reasons == [EndReason.PASSWORD_CHANGED, EndReason.PASSWORD_CHANGED, EndReason.SIGNED_OUT]

    later = start_session(session, editor, now=NOW, lifetime=EIGHT_HOURS)
    set_active(session, "ed-lin", False, now=NOW)
    set_active(session, "ed-lin", True, now=NOW)
    assert live_session(session, later, now=NOW) is None  # reactivating does not bring old sessions back
    assert open_session_counts(session, now=NOW) == {}


def test_a_new_sign_in_clears_the_officer_s_long_ended_sessions(session):
    editor, other = officer(session), officer(session, "ap-chen")
    old = start_session(session, editor, now=NOW - KEEP_ENDED * 2, lifetime=EIGHT_HOURS)
    recent = start_session(session, editor, now=NOW - timedelta(days=1), lifetime=EIGHT_HOURS)
    end_session(session, old, now=NOW - KEEP_ENDED * 2)
    start_session(session, other, now=NOW - KEEP_ENDED * 2, lifetime=EIGHT_HOURS)
    start_session(session, editor, now=NOW, lifetime=EIGHT_HOURS)
    kept = session.execute(select(ConsoleSession.officer_id, ConsoleSession.started_at)).all()
    assert sorted((o, s) for o, s in kept) == sorted(
        [(editor.id, NOW - timedelta(days=1)), (editor.id, NOW), (other.id, NOW - KEEP_ENDED * 2)]
    )
    assert recent
