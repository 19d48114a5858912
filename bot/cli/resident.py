"""``civicast faq``, ``civicast case`` and ``civicast line richmenu``: the resident bot's commands."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.base import LINES, TEXT, AppContext, RuntimeFailure, UserError, officer_options
from bot.cli.office import CLI_ACTOR
from bot.conversation.faq_files import FaqFileError, read_faq_files, seed_faq
from bot.conversation.models import CaseStatus
from bot.conversation.petitions import CaseError
from bot.office.accounts import Actor, PermissionDenied
from bot.office.case_backfill import fill_missing_due_dates
from bot.office.cases import update_case
from channels.base import ChannelError
from messages.plurals import counted


@click.group("faq")
def faq_group() -> None:
    """The bot's frequently asked questions."""


@faq_group.command("seed")
@click.pass_obj
def faq_seed(app: AppContext) -> None:
    """Replace the FAQ in the database with bot/data/faq/*.yaml."""
    try:
        entries = read_faq_files()
    except (FaqFileError, OSError, KeyError) as exc:
        raise RuntimeFailure(f"FAQ files unusable: {exc}") from None
    with app.services.session_factory.begin() as session:
        count = seed_faq(session, entries)
    click.echo(f"{count} FAQ entries in {len({e['language'] for e in entries})} languages")


@click.group("case")
def case_group() -> None:
    """Petitions (陳情)."""


@case_group.command("update")
@click.argument("number", type=TEXT)
@click.option("--status", required=True, type=click.Choice([s.value for s in CaseStatus]))
@click.option("--note", default=None, type=LINES, help="A note the resident will read.")
@officer_options
@click.pass_obj
def case_update(app: AppContext, number: str, status: str, note: str | None, actor: Actor) -> None:
    """Change a case's status as the officer --by and tell the resident (asking for a rating once it is closed)."""
    try:
        change, told = update_case(app.services, actor, number, status=status, note=note)
    except (CaseError, PermissionDenied) as exc:
        raise UserError(str(exc)) from None
    click.echo(f"case {change.number} is now {change.status}; {told}")


@case_group.command("fill-due-dates")
@click.pass_obj
def case_fill_due_dates(app: AppContext) -> None:
    """Give each petition from before agencies (no due date) the due date its category's rules give, counted
    from the day it was received, and its category's agency if it has none; each change is in the audit log."""
    services = app.services
    try:
        with services.session_factory.begin() as session:
            filled = fill_missing_due_dates(
                session, CLI_ACTOR, services.settings.petitions.rules(), now=datetime.now(UTC)
            )
            lines = [
                f"{case.number}  due {case.due_on.isoformat()}  {case.agency or 'no agency: an officer assigns it'}"
                + ("  (agency given)" if case.agency_given else "")
                for case in filled
            ]
    except SQLAlchemyError as exc:
        raise RuntimeFailure(f"database error: {exc.__class__.__name__} (has `civicast db upgrade` run?)") from None
    for line in lines:
        click.echo(line)
    click.echo(f"{counted(len(filled), 'petition', 'petitions')} given a due date")


@click.group("line")
def line_group() -> None:
    """LINE account set-up."""


@line_group.command("richmenu")
@click.pass_obj
def line_richmenu(app: AppContext) -> None:
    """Create the normal and the disaster rich menu in each language (images drawn here) and remember them for
    linking residents."""
    from bot.conversation.texts import BotTexts
    from bot.richmenu import RichMenus
    from channels.fonts import FontMissing

    services = app.services
    menus = RichMenus(services.line, BotTexts(services.catalogs))
    try:
        created = menus.create_all(services.settings.languages)
        default = menus.make_default(created, services.settings.default_language)
    except FontMissing as exc:
        raise RuntimeFailure(str(exc)) from None
    except ChannelError as exc:
        raise RuntimeFailure(f"LINE refused the rich menu: {exc}") from None
    with services.session_factory.begin() as session:
        RichMenus.remember(session, created)
    for (kind, language), menu_id in created.items():
        click.echo(f"{kind:<9} {language:<8} {menu_id}{'  (default)' if menu_id == default else ''}")
