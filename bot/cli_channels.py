"""``civicast sandbox``: the LINE and Graph API stand-ins on their own."""

from __future__ import annotations

import click

from bot.cli_base import AppContext, RuntimeFailure


@click.command("sandbox")
@click.option("--host", default=None, help="Address to listen on (default: channels.sandbox.host).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: channels.sandbox.port).")
@click.pass_obj
def sandbox_command(app: AppContext, host: str | None, port: int | None) -> None:
    """Run the sandbox LINE Messaging API and Graph API until interrupted."""
    cfg = app.settings.channels.sandbox
    sandbox = app.services.build_sandbox()
    host, port = host or cfg.host, cfg.port if port is None else port
    click.echo(f"sandbox LINE and Graph APIs on http://{host}:{port} (inboxes at /sandbox); Ctrl-C stops")
    try:
        sandbox.serve_forever(host, port)
    except OSError as exc:
        raise RuntimeFailure(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        click.echo("sandbox stopped")
