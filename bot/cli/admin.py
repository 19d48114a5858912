"""``civicast db`` and ``civicast i18n``: the schema and the catalogs."""

from __future__ import annotations

import click
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.base import AppContext, RuntimeFailure
from bot.console.ui import check_strings
from bot.database import upgrade_database
from bot.office.case_backfill import FILL_COMMAND, count_missing_due_dates
from messages import catalog_tools
from messages.plurals import counted


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
@click.pass_obj
def db_upgrade(app: AppContext, revision: str) -> None:
    """Create or migrate the database schema."""
    try:
        upgrade_database(app.services.engine, revision)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc  # only a database's own error carries the driver's (orig)
        raise RuntimeFailure(f"database upgrade failed: {exc.__class__.__name__}: {cause}") from None
    click.echo(f"database at {app.services.engine.url.render_as_string(hide_password=True)} is at {revision}")
    _ask_for_due_dates(app)


def _ask_for_due_dates(app: AppContext) -> None:
    """Petitions from before agencies have no due date until the operator fills them (see ``case_backfill``)."""
    engine = app.services.engine
    if "due_on" not in {column["name"] for column in inspect(engine).get_columns("cases")}:
        return  # an older revision than the one that added due dates
    with app.services.session_factory() as session:
        missing = count_missing_due_dates(session)
    if missing:
        click.echo(
            f"{counted(missing, 'petition has', 'petitions have')} no due date (from before agencies): "
            f"run `{FILL_COMMAND}` to give them the due dates their rules give"
        )


@click.group("i18n")
def i18n_group() -> None:
    """Phrase catalogs: extract, update, convert zh-Hans, check."""


@i18n_group.command("extract")
def i18n_extract() -> None:
    """Write locales/*.pot from kinds.yaml and glossary.yaml."""
    for path in catalog_tools.extract():
        click.echo(f"wrote {path}")


@i18n_group.command("update")
def i18n_update() -> None:
    """Merge the templates into every language's catalog."""
    for path in catalog_tools.update():
        click.echo(f"updated {path}")


@i18n_group.command("hans")
def i18n_hans() -> None:
    """Rewrite zh-Hans from zh-Hant with OpenCC, keeping reviewed entries."""
    for path in catalog_tools.convert_hans():
        click.echo(f"converted {path}")


@i18n_group.command("check")
def i18n_check() -> None:
    """Report untranslated, fuzzy or mismatched entries (plural forms too), msgfmt complaints, and the
    console strings' own problems."""
    problems = [*catalog_tools.check_all(), *check_strings()]
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise RuntimeFailure(counted(len(problems), "catalog problem", "catalog problems"))
    click.echo("catalogs complete: every entry translated and consistent")
