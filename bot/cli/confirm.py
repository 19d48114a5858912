"""The command line's confirmation of a send or a schedule: what it will do, printed, then asked.

``civicast send 42`` prints the plan ("Send notice 42 to 271,272 residents in 12 languages on LINE, Facebook
and the cable feeds.") and asks "Go ahead?"; an Extreme notice to the whole city asks for its number instead. A
script confirms with ``--yes`` (and ``--notice-number 42`` for such a notice): the plan is printed all the same.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from bot.cli.base import TEXT, AppContext, UserError
from bot.office import notice_rules
from bot.office.accounts import Actor
from bot.office.confirmation import Confirmation
from bot.office.notice_rules import Verb
from bot.office.send_plan import send_plan
from messages.models import Notice


def confirm_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--yes`` and ``--notice-number``: confirm without being asked."""

    @click.option("--yes", "-y", is_flag=True, help="Confirm what the command prints it will do, without asking.")
    @click.option(
        "--notice-number",
        default=None,
        type=TEXT,
        metavar="N",
        help="The notice's number, which confirms an Extreme notice to the whole city (with --yes).",
    )
    @functools.wraps(command)
    def wrapped(*args: Any, yes: bool, notice_number: str | None, **kwargs: Any) -> Any:
        kwargs["confirm"] = Confirming(yes=yes, notice_number=notice_number or "")
        return command(*args, **kwargs)

    return wrapped


class Confirming:
    def __init__(self, *, yes: bool, notice_number: str) -> None:
        self.yes, self.notice_number = yes, notice_number

    def ask(
        self,
        app: AppContext,
        actor: Actor,
        notice_id: int,
        *,
        verb: Verb,
        at: datetime | None = None,
        cron: str | None = None,
        checks: Callable[[Notice], None] | None = None,
    ) -> Confirmation:
        """Print the plan and take the answer; refused at once when the rules (and ``checks``, given the notice)
        would refuse the action anyway, so nobody is asked to confirm what cannot happen."""
        services = app.services
        with services.session_factory() as session:
            notice = notice_rules.load(session, actor, notice_id, verb)
            if checks is not None:
                checks(notice)
        plan = send_plan(services, notice_id, at=at, cron=cron)
        click.echo(plan.sentence())
        if self.yes:
            return Confirmation(confirmed=True, typed_number=self.notice_number)
        try:
            if plan.needs_number:
                typed = click.prompt(
                    f"This is an Extreme notice to the whole city: type its number, {notice_id}, to confirm",
                    default="",
                    show_default=False,
                )
                return Confirmation(confirmed=True, typed_number=str(typed))
            if click.confirm("Go ahead?", default=False):
                return Confirmation(confirmed=True)
        except click.Abort:
            pass
        raise UserError(f"notice {notice_id}: not confirmed, nothing was done (--yes confirms without asking)")
