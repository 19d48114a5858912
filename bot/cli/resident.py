"""``civicast faq``, ``civicast case`` and ``civicast line richmenu``: the resident bot's commands."""

from __future__ import annotations

import click

from bot.cli.base import LINES, TEXT, AppContext, RuntimeFailure, UserError, officer_options
from bot.conversation.faq import FaqFileError, read_faq_files, seed_faq
from bot.conversation.models import CaseStatus
from bot.conversation.petitions import CaseError
from bot.office.accounts import Actor, PermissionDenied
from bot.office.cases import update_case
from channels.base import ChannelError


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
