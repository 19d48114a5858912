"""Alembic environment: civicast's metadata, SQLite batch mode, a connection passed in or a URL."""

from __future__ import annotations

from alembic import context

from bot import richmenu  # noqa: F401  (LINE rich menus)
from bot.conversation import models as conversation_models  # noqa: F401  (the resident bot's tables)
from bot.office import models as office_models  # noqa: F401  (officers, API keys, audit log)
from bot.shelters import models as shelter_models  # noqa: F401  (the national evacuation-shelter list)
from ingest import models as ingest_models  # noqa: F401  (received CAP alerts, feeds, rules)
from messages import models, polls  # noqa: F401  (the notice tables; polls and their options)
from messages.db import Base, make_engine
from scheduler import audience, menus, outbox, usage  # noqa: F401  (subscribers, rich menus, the outbox, message counts)

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
