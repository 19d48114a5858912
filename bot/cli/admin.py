"""``civicast db`` and ``civicast i18n``: the schema and the catalogs."""

from __future__ import annotations

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.base import AppContext, RuntimeFailure
from bot.console.ui import check_strings
from bot.database import upgrade_database
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
