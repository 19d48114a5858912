"""The ``civicast`` command.

Errors a user can fix are printed as one line, ``civicast: error: ...``, with
exit status 2 for bad arguments and 1 for everything else; never a traceback.
"""

from __future__ import annotations

import sys

import click

from bot.cli.base import AppContext, RuntimeFailure, UserError, parse_assignments

__all__ = ["AppContext", "RuntimeFailure", "UserError", "cli", "main", "parse_assignments"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config", "config_path", metavar="FILE", help="Configuration file (default: $CIVICAST_CONFIG or ./config.yaml)."
)
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """civicast: compose, localise and broadcast city notices."""
    app = AppContext(config_path)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register() -> None:
    from bot.cli import admin as cli_admin
    from bot.cli import cap as cli_cap
    from bot.cli import channels as cli_channels
    from bot.cli import demo as cli_demo
    from bot.cli import notices as cli_notices
    from bot.cli import office as cli_office
    from bot.cli import processes as cli_processes
    from bot.cli import resident as cli_resident
    from bot.cli import send as cli_send
    from bot.cli import serve as cli_serve
    from bot.cli import shelters as cli_shelters

    cli.add_command(cli_notices.kinds_command)
    cli.add_command(cli_notices.compose_command)
    cli.add_command(cli_admin.db_group)
    cli.add_command(cli_admin.i18n_group)
    cli.add_command(cli_channels.sandbox_command)
    cli.add_command(cli_serve.serve_command)
    for command in (
        cli_send.notice_group,
        cli_send.send_command,
        cli_send.schedule_command,
        cli_send.cancel_command,
        cli_send.report_command,
        cli_channels.channel_group,
        cli_processes.worker_command,
        cli_processes.webhook_worker_command,
        cli_processes.scheduler_command,
        cli_demo.demo_command,
        cli_resident.faq_group,
        cli_resident.case_group,
        cli_resident.line_group,
        cli_office.officer_group,
        cli_office.apikey_group,
        cli_cap.cap_group,
        cli_shelters.shelters_group,
    ):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="civicast", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("civicast: aborted", err=True)
        return 130
    except click.ClickException as exc:
        if isinstance(exc, UserError):
            exc.show()
        else:
            click.echo(f"civicast: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
