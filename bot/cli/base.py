"""What every ``civicast`` subcommand shares: its errors, the settings and services it runs on.

Subcommand modules import this, never ``bot.cli.main``, which imports them all to register them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.settings import ConfigError, Settings, load_settings
from messages.db import MAX_ID
from messages.text import text_problem

if TYPE_CHECKING:
    from bot.office.accounts import Actor
    from bot.office.services import Services

CLI_ADDRESS = "cli"  # where a command-line sign-in comes from, in the audit log


class UserError(click.ClickException):
    """A mistake in what the user asked for: one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"civicast: error: {self.format_message()}", err=True)


class RuntimeFailure(UserError):
    """The command could not do its work (configuration, database): exit status 1."""

    exit_code = 1


class CleanText(click.ParamType):
    """A string option or argument, refused (exit status 2, naming the option) if it holds control characters,
    bytes that are not UTF-8 (decoded by Python as lone surrogates) or other characters civicast never stores."""

    name = "text"

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            problem = text_problem(value.replace("\r\n", "\n") if self.multiline else value, multiline=self.multiline)
            if problem:
                self.fail(problem, param, ctx)
        return value


TEXT = CleanText()
LINES = CleanText(multiline=True)
NOTICE_ID = click.IntRange(1, MAX_ID)


def officer_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--by NAME`` and how that officer's password is given: the command acts as that officer, with their role,
    after the same password check as the console's sign-in (a prompt when neither option is given)."""

    @click.option("--by", "officer", required=True, type=TEXT, help="The officer acting (their password is asked).")
    @click.option(
        "--password-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Read the officer's password from this file.",
    )
    @click.option("--password-stdin", is_flag=True, help="Read the officer's password from standard input.")
    @functools.wraps(command)
    def wrapped(*args: Any, officer: str, password_file: Path | None, password_stdin: bool, **kwargs: Any) -> Any:
        app = click.get_current_context().find_object(AppContext)
        assert app is not None  # the command group puts it on the context before any command runs
        kwargs["actor"] = app.sign_in(officer, password_file=password_file, password_stdin=password_stdin)
        return command(*args, **kwargs)

    return wrapped


def command_errors(action):
    """A command's refusals (the rules, the notice's state, bad parameters) as one line with exit status 2, and
    database failures as one line with status 1: never a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.office.accounts import PermissionDenied
    from messages.kinds import UnknownKind
    from messages.params import InvalidParameters
    from scheduler.fanout import NotDue
    from scheduler.sending import NoticeActionError

    @functools.wraps(action)
    def wrapped(*args, **kwargs):
        try:
            return action(*args, **kwargs)
        except (NoticeActionError, NotDue, PermissionDenied, UnknownKind, InvalidParameters) as exc:
            raise UserError(str(exc)) from None
        except SQLAlchemyError as exc:
            raise RuntimeFailure(
                f"database error: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc} "
                "(has `civicast db upgrade` run?)"
            ) from None

    return wrapped


def parse_assignments(assignments: tuple[str, ...]) -> dict[str, Any]:
    """NAME=VALUE pairs given with -p, as a dict of raw parameter values."""
    params: dict[str, Any] = {}
    bad = [a for a in assignments if "=" not in a or not a.split("=", 1)[0].strip()]
    if bad:
        raise UserError(f"parameters are NAME=VALUE; got {', '.join(repr(b) for b in bad)}")
    for assignment in assignments:
        name, value = assignment.split("=", 1)
        params[name.strip()] = value
    return params


class AppContext:
    """Settings are read once, on first use, and shared by every subcommand."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._settings: Settings | None = None
        self._services: Services | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config_path)
            except ConfigError as exc:
                raise RuntimeFailure(str(exc)) from None
        return self._settings

    @property
    def services(self):
        if self._services is None:
            from bot.office.services import Services

            self._services = Services(self.settings)
        return self._services

    def sign_in(self, username: str, *, password_file: Path | None = None, password_stdin: bool = False) -> Actor:
        """The officer as an Actor (via "cli"), once their password is checked; each refusal is in the audit log."""
        import sys

        from bot.office.accounts import LoginRefused, actor_of
        from bot.office.sign_in import sign_in

        if password_file is not None:
            try:
                password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as exc:
                raise UserError(f"--password-file: cannot read {password_file}: {exc}") from None
        elif password_stdin:
            try:
                password = sys.stdin.readline().rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as exc:
                raise UserError(f"--password-stdin: cannot read standard input: {exc}") from None
        else:
            password = click.prompt(f"Password for {username}", hide_input=True, err=True)
        now = datetime.now(UTC)
        with self.services.session_factory.begin() as session:  # a refusal is committed too: the throttle counts it
            try:
                officer = sign_in(session, username, password, address=CLI_ADDRESS, now=now)
            except LoginRefused as exc:
                refusal = str(exc)
            else:
                return actor_of(officer, via="cli")
        raise UserError(f"--by {username}: {refusal}")

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
