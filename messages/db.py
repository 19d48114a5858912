"""SQLAlchemy 2 declarative base, engine and session factory.

Data-access functions across civicast take a ``Session`` first and never
commit: the caller owns the transaction (``with session_factory.begin() as s``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import JSON, DateTime, Engine, MetaData, Table, TypeDecorator, create_engine, event
from sqlalchemy.engine import Connection, CursorResult, Dialect, Result
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC on every backend (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; give a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}
    if TYPE_CHECKING:
        # Every model here maps one Table (SQLAlchemy types it as any FromClause, which update() refuses).
        __table__: ClassVar[Table]


MAX_ID = 2_147_483_647  # ids are 32-bit integers in the database: larger ones name nothing


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings civicast relies on for each backend."""
    if url.startswith("sqlite"):
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 30)
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        else:
            # A worker's sender threads each hold a connection: keep them open rather than reconnect.
            kwargs.setdefault("pool_size", 20)
            kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    ping_idle = kwargs.pop("ping_idle_after_s", PING_IDLE_AFTER_S)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if ping_idle is not None and not kwargs.get("pool_pre_ping"):
        ping_idle_connections(engine, after_s=ping_idle)
    return engine


PING_IDLE_AFTER_S = 5.0


def ping_idle_connections(engine: Engine, *, after_s: float) -> None:
    """Check a pooled connection before use only if it sat idle for ``after_s`` seconds.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip for each webhook
    delivery and each conversation turn, about a quarter of a busy webhook's time. A connection in
    steady use is known good; one that idled (a quiet night, a database restart, a firewall's idle
    cut) is checked, and replaced if dead (``DisconnectionError`` makes the pool retry with a fresh one).
    A connection that dies while in steady use fails one statement, after which SQLAlchemy invalidates
    the whole pool, as it would for a restart in the middle of a transaction.
    """

    @event.listens_for(engine, "checkin")
    def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < after_s:
            return  # new (just connected) or in steady use
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            # The ping began a transaction (the driver's default): end it, so the connection is handed out
            # idle, as the pool hands out every other. Left open, it refused a switch to autocommit, and
            # a statement run in a transaction of its own joined the ping's.
            dbapi_connection.rollback()
        except Exception as exc:  # the driver's own error classes: any failure means the connection is gone
            raise DisconnectionError(f"pooled connection idle for {after_s:g} s is dead: {exc}") from exc


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE, DELETE or INSERT changed: its result is a CursorResult at run time,
    though ``Session.execute`` is typed with the wider ``Result``."""
    return cast("CursorResult[Any]", result).rowcount


def dialect_insert(session: Session | Connection) -> Callable[..., Any]:
    """The INSERT of the session's database, which knows ON CONFLICT (PostgreSQL and SQLite both do)."""
    from sqlalchemy.dialects import postgresql, sqlite  # only the one in use is needed

    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect.name]
