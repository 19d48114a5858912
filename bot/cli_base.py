"""What every ``civicast`` subcommand shares: its errors, the settings and services it runs on.

Subcommand modules import this, never ``bot.cli``, which imports them all to register them.
"""

from __future__ import annotations

from typing import Any

import click

from bot.settings import ConfigError, Settings, load_settings


class UserError(click.ClickException):
    """A mistake in what the user asked for: one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"civicast: error: {self.format_message()}", err=True)


class RuntimeFailure(UserError):
    """The command could not do its work (configuration, database): exit status 1."""

    exit_code = 1


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
        self._services = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config_path)
            except ConfigError as exc:
                raise RuntimeFailure(str(exc)) from None
        return self._settings

    @property
    def services(self):  # type: ignore[no-untyped-def]
        if self._services is None:
            from bot.services import Services

            self._services = Services(self.settings)
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
