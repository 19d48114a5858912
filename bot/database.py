"""The database as the running system uses it: engine, sessions, migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from bot.settings import PROJECT_ROOT, Settings
from messages.db import make_engine, make_session_factory

# A wheel carries the migrations inside this package (setup.py puts them there); a checkout keeps them at its top.
_PACKAGED_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATIONS_DIR = _PACKAGED_MIGRATIONS if _PACKAGED_MIGRATIONS.is_dir() else PROJECT_ROOT / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` on an existing engine."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_database(settings: Settings) -> tuple[Engine, sessionmaker]:
    engine = make_engine(settings.database.url, echo=settings.database.echo)
    return engine, make_session_factory(engine)
