"""``civicast faq``, ``civicast case`` and ``civicast line richmenu``: the resident bot's commands."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import select

from bot.cli import AppContext, RuntimeFailure, UserError
from bot.conversation.faq import FaqFileError, read_faq_files, seed_faq
from bot.conversation.models import Conversation
from bot.conversation.petitions import CaseChange, CaseError, change_status
from channels.base import ChannelError

MESSENGER_WINDOW = timedelta(hours=24)


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


def notify_resident(app: AppContext, change: CaseChange) -> str:
    """Tell the resident about their case in their language; what happened, in a few words."""
    if not change.channel or not change.user_id:
        return "the resident's data was deleted: nobody to tell"
    services = app.services
    replies = services.conversation_engine.case_update_replies(change)
    try:
        if change.channel == "line":
            from bot.line_webhook import line_messages

            services.line.push(change.user_id, line_messages(replies), retry_key=str(uuid.uuid4()))
            return "the resident was told on LINE"
        with services.session_factory() as session:
            conversation = session.scalar(select(Conversation).where(
                Conversation.channel == change.channel, Conversation.user_id == change.user_id))
        opened = conversation.last_inbound_at if conversation else None
        if opened is None or datetime.now(UTC) - opened > MESSENGER_WINDOW:
            return "the resident last wrote more than 24 hours ago: Messenger does not allow a message now"
        for reply in replies:
            quick = [{"content_type": "text", "title": c.label, "payload": c.data} for c in reply.choices]
            services.facebook.reply(change.user_id, reply.text, quick_replies=quick or None)
        return "the resident was told on Messenger"
    except ChannelError as exc:
        return f"the resident could not be told ({exc}); the status is saved"


@case_group.command("update")
@click.argument("number")
@click.option("--status", required=True, help="received, assigned, in_progress, resolved or closed")
@click.option("--note", default=None, help="A note the resident will read.")
@click.option("--by", "officer", default=None, help="The officer making the change.")
@click.pass_obj
def case_update(app: AppContext, number: str, status: str, note: str | None, officer: str | None) -> None:
    """Change a case's status and tell the resident (asking for a rating once it is closed)."""
    try:
        with app.services.session_factory.begin() as session:
            change = change_status(session, number, status, note=note, officer=officer, now=datetime.now(UTC))
    except CaseError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"case {change.number} is now {change.status}; {notify_resident(app, change)}")


@click.group("line")
def line_group() -> None:
    """LINE account set-up."""


@line_group.command("richmenu")
@click.pass_obj
def line_richmenu(app: AppContext) -> None:
    """Create one rich menu per language (images drawn here) and remember them for linking residents."""
    from bot.conversation.texts import BotTexts
    from bot.richmenu import FontMissing, RichMenus

    services = app.services
    menus = RichMenus(services.line, BotTexts(services.catalogs))
    try:
        created = menus.create_all(services.settings.languages)
    except FontMissing as exc:
        raise RuntimeFailure(str(exc)) from None
    except ChannelError as exc:
        raise RuntimeFailure(f"LINE refused the rich menu: {exc}") from None
    with services.session_factory.begin() as session:
        RichMenus.remember(session, created)
    for language, menu_id in created.items():
        click.echo(f"{language:<8} {menu_id}")
