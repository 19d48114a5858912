"""The engine's pooled connections on PostgreSQL: checked before use only after they sat idle."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from messages.db import make_engine


def _kill(url: str, pid: int) -> None:
    admin = make_engine(url, ping_idle_after_s=None)
    with admin.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    time.sleep(0.2)  # the backend exits after the signal


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_that_died_while_idle_is_replaced_before_use(postgres_schema_url):
    engine = make_engine(postgres_schema_url, pool_size=1, max_overflow=0, ping_idle_after_s=0.1)
    first = _backend_pid(engine)
    _kill(postgres_schema_url, first)
    time.sleep(0.15)  # idle longer than the threshold: the checkout pings, finds it dead, reconnects
    assert _backend_pid(engine) != first
    engine.dispose()


def test_a_pinged_connection_is_handed_out_outside_a_transaction(postgres_schema_url):
    engine = make_engine(postgres_schema_url, pool_size=1, max_overflow=0, ping_idle_after_s=0.1)
    _backend_pid(engine)
    time.sleep(0.15)  # idle past the threshold: this checkout pings
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("CREATE TABLE pinged (id integer)"))
    with engine.connect() as connection:  # committed on its own, not part of a transaction the ping left open
        assert connection.execute(text("SELECT count(*) FROM pinged")).scalar_one() == 0
    engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_a_dead_one_fails_once(postgres_schema_url):
    engine = make_engine(postgres_schema_url, pool_size=1, max_overflow=0, ping_idle_after_s=60)
    first = _backend_pid(engine)
    _kill(postgres_schema_url, first)
    with pytest.raises(OperationalError):  # not pinged: the first statement finds the connection gone
        _backend_pid(engine)
    assert _backend_pid(engine) != first  # SQLAlchemy invalidated it: the next checkout reconnects
    engine.dispose()
