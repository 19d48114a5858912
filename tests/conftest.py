"""Shared fixtures: the shipped kinds, catalogs and glossary; databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
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
from tests.support.postgres_databases import ReusedDatabase, admin_engine, create_database, drop_database, url_of

PG_ENV = "CIVICAST_TEST_DATABASE_URL"
SQLITE_PREFIX = "sqlite:///"
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


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated to head once per test process, the template the tests' databases are
    created from (a copy takes milliseconds; the migrations, more than a second)."""
    base = postgres_url_or_skip()
    name = f"civicast_tpl_{uuid.uuid4().hex[:12]}"
    admin = admin_engine(base)
    create_database(admin, name)
    migrated = make_engine(url_of(base, name))
    upgrade_database(migrated)
    migrated.dispose()  # a template must have no connection while it is copied
    try:
        yield name
    finally:
        drop_database(admin, name)
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_head_database(postgres_template: str) -> Iterator[ReusedDatabase]:
    """The database at head that this test process's tests take in turn (tests/support/postgres_databases.py)."""
    database = ReusedDatabase(postgres_url_or_skip(), postgres_template)
    yield database
    database.close()


@pytest.fixture
def postgres_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database for the test alone: at head when the test uses ``engine`` (the process's database
    at head, emptied after the test), a new empty one otherwise (for the tests of ``civicast db upgrade``)."""
    base = postgres_url_or_skip()
    if "engine" in request.fixturenames:
        database: ReusedDatabase = request.getfixturevalue("postgres_head_database")
        try:
            yield database.url
        finally:
            database.reset()
        return
    name = f"civicast_t_{uuid.uuid4().hex[:12]}"
    admin = admin_engine(base)
    create_database(admin, name)
    try:
        yield url_of(base, name)
    finally:
        drop_database(admin, name)
        admin.dispose()


# The languages a test repeated for every language runs in on PostgreSQL as well as SQLite: the city's own and one
# written in a complex script. The SQL such a test runs is the same whatever the language (only the texts differ), so
# the other ten on PostgreSQL would prove nothing more than on SQLite.
LANGUAGES_ON_POSTGRESQL = ("zh-Hant", "my")


def every_language_on_sqlite(languages) -> list:
    """Parameters for ("database_url", a language), with ``indirect=["database_url"]``: every language on SQLite,
    those of LANGUAGES_ON_POSTGRESQL on PostgreSQL too."""
    return [pytest.param("sqlite", code, id=f"sqlite-{code}") for code in languages] + [
        pytest.param("postgresql", code, id=f"postgresql-{code}")
        for code in languages
        if code in LANGUAGES_ON_POSTGRESQL
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'civicast.db'}"
    return request.getfixturevalue("postgres_database_url")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database migrated to head once per test process: each test copies it rather than migrating
    again (the migrations take about two seconds; a copy, milliseconds)."""
    path = tmp_path_factory.mktemp("migrated") / "civicast.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def engine(request: pytest.FixtureRequest, database_url: str) -> Iterator[Engine]:
    """The test's database at the head revision: a copy of the migrated SQLite file, or a PostgreSQL database
    made from the migrated template (``postgres_database_url``). Upgrading it again only checks it is at head."""
    if database_url.startswith(SQLITE_PREFIX):
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), database_url.removeprefix(SQLITE_PREFIX))
    engine = make_engine(database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine):
    return make_session_factory(engine)
