"""Leadership: which ``civicast scheduler`` process leads, the only one that runs jobs and sends.

On PostgreSQL the leader holds a session-level advisory lock on a connection it keeps open; the others
try for it every few seconds. The embedded SQLite default has one process, always the leader.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from messages.outage import OutageLog

log = logging.getLogger("civicast.scheduler")

LEADER_LOCK_KEY = 0x63697663 & 0x7FFFFFFF  # "civc": the advisory lock that makes one scheduler the leader


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class SoleLeader:
    """One process, one scheduler (the embedded SQLite default): always the leader."""

    def try_acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass


class PostgresLeaderLock:
    """A session-level advisory lock on a connection kept open while leading.

    The service's loop and the threads about to send both ask ``still_held``: one at a time."""

    HELD = text(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
        "AND classid = CAST(:key AS int8) AND objid = hashtext(current_schema())::int8 & 4294967295 "
        "AND objsubid = 2 AND granted)"
    )

    def __init__(self, engine: Engine, key: int = LEADER_LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._connection: Connection | None = None
        self._guard = threading.Lock()
        # A standby asks every few seconds: a database outage is logged when it starts and when it ends.
        self._outage = OutageLog(log, "database", "asking for the leader lock")

    def try_acquire(self) -> bool:
        with self._guard:
            try:
                connection = self.engine.connect()
            except SQLAlchemyError as exc:
                self._outage.failed(exc)
                return False
            except Exception:
                log.exception("could not connect to PostgreSQL to ask for the leader lock")
                return False
            self._outage.succeeded()
            try:
                # Keyed by the schema too: two deployments sharing a database server each get a leader.
                got = connection.execute(
                    text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"), {"key": self.key}
                ).scalar()
                connection.commit()
            except Exception:
                log.exception("could not ask PostgreSQL for the leader lock")
                self._close(connection, broken=True)
                return False
            if got:
                self._connection = connection
                return True
            self._close(connection)
            return False

    def still_held(self) -> bool:
        with self._guard:
            if self._connection is None:
                return False
            try:
                held = bool(self._connection.execute(self.HELD, {"key": self.key}).scalar())
                self._connection.commit()
            except Exception:
                log.exception("lost the connection that holds the leader lock")
                self._close(self._connection, broken=True)
                self._connection = None
                return False
            if not held:
                log.error("this scheduler's connection no longer holds the leader lock")
                self._close(self._connection, broken=True)
                self._connection = None
            return held

    def release(self) -> None:
        with self._guard:
            connection, self._connection = self._connection, None
            if connection is None:
                return
            try:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"), {"key": self.key}
                )
                connection.commit()
            except Exception:
                # Discarding the connection ends its database session, and the lock with it.
                log.exception("could not release the leader lock; discarding its connection instead")
                self._close(connection, broken=True)
                return
            self._close(connection)

    @staticmethod
    def _close(connection: Connection, *, broken: bool = False) -> None:
        """Close the lock's connection; a broken one (or one that may still hold the lock) leaves the pool."""
        try:
            if broken:
                connection.invalidate()
            connection.close()
        except Exception:
            log.exception("closing the leader lock's connection failed")


def leader_lock_for(engine: Engine) -> LeaderLock:
    return PostgresLeaderLock(engine) if engine.dialect.name == "postgresql" else SoleLeader()
