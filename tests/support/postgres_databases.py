"""PostgreSQL databases for tests: made from a migrated template, and one at head that a test process's tests take
in turn, emptied after each instead of dropped.

Creating a database from the template and dropping it costs about a second a test on this machine (PostgreSQL
copies the template's files and checkpoints the whole cluster at every DROP DATABASE); emptying the tables of one
kept database takes a few milliseconds. What a test could leave behind besides rows is checked after each test:
were the schema or the sequences not as the template has them, the database is made again from the template.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from messages.db import make_engine

# Everything a test could change in a database apart from its rows: tables and their columns, constraints,
# indexes, sequences, views, functions, triggers, enum types, extensions, schemas and the database's settings.
SCHEMA_DIGEST = text(
    """
    SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
      SELECT c.relkind::text || ':' || n.nspname::text || '.' || c.relname::text || '.'
             || coalesce(a.attnum::text, '') || '.' || coalesce(a.attname::text, '') || ':'
             || coalesce(format_type(a.atttypid, a.atttypmod), '') || ':' || coalesce(a.attnotnull::text, '')
             || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS x
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_t%'
      UNION ALL SELECT 'c:' || conrelid::regclass::text || ':' || conname::text || ':' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace <> 'pg_catalog'::regnamespace
      UNION ALL SELECT 'i:' || pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_t%'
      UNION ALL SELECT 'f:' || p.oid::regprocedure::text FROM pg_proc p
       WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
      UNION ALL SELECT 't:' || tgrelid::regclass::text || ':' || tgname::text FROM pg_trigger WHERE NOT tgisinternal
      UNION ALL SELECT 'y:' || t.typname::text || ':' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname
      UNION ALL SELECT 'e:' || extname::text FROM pg_extension
      UNION ALL SELECT 'n:' || nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg_t%'
      UNION ALL SELECT 's:' || array_to_string(setconfig, ',') FROM pg_db_role_setting
       WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    ) AS everything
    """
)
USER_TABLES = text(
    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
)
KEPT_TABLE = "public.alembic_version"  # the revision the database is at: kept, like the schema


def admin_engine(base: str) -> Engine:
    return make_engine(base, isolation_level="AUTOCOMMIT")  # CREATE and DROP DATABASE run outside transactions


def url_of(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def create_database(admin: Engine, name: str, template: str | None = None) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))


def drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def tables_with_rows(conn: Connection, tables: list[str]) -> list[str]:
    """Those of ``tables`` that hold rows, in one query."""
    if not tables:
        return []
    found = " UNION ALL ".join(f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {table})" for i, table in enumerate(tables))
    return [tables[i] for i in conn.execute(text(found)).scalars()]


class ReusedDatabase:
    """A database at head, copied once from the template, that tests take one after another: ``reset`` empties it
    for the next test, or makes it again from the template when the test changed more than its rows."""

    def __init__(self, base: str, template: str) -> None:
        self.base = base
        self.template = template
        self.name = f"civicast_r_{uuid.uuid4().hex[:12]}"
        self.url = url_of(base, self.name)
        self._admin = admin_engine(base)
        create_database(self._admin, self.name, template)
        self._engine = create_engine(self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")  # no connection kept
        with self._engine.connect() as conn:
            self.digest = conn.execute(SCHEMA_DIGEST).scalar()
            self.tables = [table for table in conn.execute(USER_TABLES).scalars() if table != KEPT_TABLE]
            # Emptying the tables gives the template's contents only if the template holds no rows of its own.
            self.reusable = not tables_with_rows(conn, self.tables)
            self.revision = conn.execute(text(f"SELECT version_num FROM {KEPT_TABLE}")).scalars().all()

    def reset(self) -> None:
        """Empty every table (sequences restarted) after ending the connections the test left; if the schema, the
        revision or a sequence is not the template's, or emptying fails, make the database again instead."""
        try:
            if self.reusable and self._emptied():
                return
        except Exception:  # noqa: BLE001 - whatever went wrong, a fresh copy of the template is the way back
            pass
        self._engine.dispose()
        drop_database(self._admin, self.name)
        create_database(self._admin, self.name, self.template)

    def _emptied(self) -> bool:
        with self._engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            conn.execute(text("SET lock_timeout = '5s'"))
            # Only the tables that hold rows: truncating all of them would cost half a second of new files.
            filled = tables_with_rows(conn, self.tables)
            if filled:
                conn.execute(text(f"TRUNCATE {', '.join(filled)} RESTART IDENTITY CASCADE"))
            for sequence in conn.execute(
                text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences "
                    "WHERE last_value IS NOT NULL"
                )
            ).scalars():
                conn.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))  # of a table emptied by DELETE, or none
            revision = conn.execute(text(f"SELECT version_num FROM {KEPT_TABLE}")).scalars().all()
            return revision == self.revision and conn.execute(SCHEMA_DIGEST).scalar() == self.digest

    def close(self) -> None:
        self._engine.dispose()
        drop_database(self._admin, self.name)
        self._admin.dispose()
