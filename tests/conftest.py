"""Shared fixtures: the shipped kinds, catalogs and glossary; databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.database import upgrade_database
from bot.office import accounts
from messages.compose import Composer
from messages.db import make_engine, make_session_factory
from messages.glossary import Glossary
from messages.i18n import Catalogs
from messages.kinds import KindBook, default_kind_book

PG_ENV = "CIVICAST_TEST_DATABASE_URL"
# argon2's cheapest parameters: officers' passwords are hashed and checked hundreds of times in the suite, and at
# the production cost (about 0.14 s each here) that alone would take minutes. The verification code is the same.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    with patch.object(accounts, "_hasher", CHEAP_HASHER):
        yield


@pytest.fixture(scope="session")
def kinds() -> KindBook:
    return default_kind_book()


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture(scope="session")
def glossary(catalogs: Catalogs) -> Glossary:
    return Glossary(catalogs)


@pytest.fixture(scope="session")
def composer(kinds: KindBook, catalogs: Catalogs, glossary: Glossary) -> Composer:
    return Composer(kinds=kinds, catalogs=catalogs, glossary=glossary, public_base_url="https://notices.example.tw")


def postgres_url_or_skip() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL is not configured: set {PG_ENV} (CI sets it) to run this test on PostgreSQL")
    return url


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    base = postgres_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'civicast.db'}"
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine):  # type: ignore[no-untyped-def]
    return make_session_factory(engine)
