"""``civicast serve``: the web application under gunicorn (``--dev``: Werkzeug), the sandbox beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.base import AppContext, RuntimeFailure
from bot.conversation.faq_files import FaqFileError, seed_if_empty
from bot.database import upgrade_database
from bot.office.agencies import seed_agencies
from channels.base import ChannelError

if TYPE_CHECKING:
    from channels.sandbox import Sandbox


def _sandbox_rich_menus(services) -> None:
    """Give the sandbox the rich menus, as `civicast line richmenu` does on LINE: a sandbox starts empty, and one
    still holding the menus this database remembers (the development server's, across reloads) is left as it is."""
    from bot.conversation.texts import BotTexts
    from bot.richmenu import RichMenus
    from channels.fonts import FontMissing
    from scheduler.menus import menu_ids

    with services.session_factory() as session:
        remembered = set(menu_ids(session).values())
    try:
        if remembered and remembered <= services.line.rich_menu_ids():
            return
    except ChannelError as exc:
        click.echo(f"rich menus not checked: {exc}")
    menus = RichMenus(services.line, BotTexts(services.catalogs))
    try:
        created = menus.create_all(services.settings.languages)
        menus.make_default(created, services.settings.default_language)
    except (FontMissing, ChannelError) as exc:
        click.echo(f"rich menus not created: {exc}")
        return
    with services.session_factory.begin() as session:
        RichMenus.remember(session, created)


def _prepare(app: AppContext) -> Sandbox | None:
    """What the web processes need before they start: the schema, the FAQ, in sandbox mode the sandbox."""
    services = app.services
    try:
        upgrade_database(services.engine)  # the embedded default needs no separate set-up step
        seeded = seed_if_empty(services.session_factory)  # officers' later edits are never overwritten
        with services.session_factory.begin() as session:
            seed_agencies(session, services.glossary)  # the missing ones only: admins' edits are kept
    except SQLAlchemyError as exc:
        raise RuntimeFailure(f"database unavailable or not upgradable: {exc.__class__.__name__}: {exc}") from None
    except FaqFileError as exc:
        raise RuntimeFailure(f"FAQ files unusable: {exc}") from None
    if seeded:
        click.echo(f"FAQ seeded: {seeded} entries from bot/data/faq")
    sandbox = _start_sandbox(app) if app.settings.channels.mode == "sandbox" else None
    services.engine.dispose()  # the web processes open their own connections
    return sandbox


def _start_sandbox(app: AppContext, *, with_menus: bool = True) -> Sandbox | None:
    """The sandbox in a thread of this process (returned), or the one `civicast sandbox` (or the development
    server's watching process) already runs on its port."""
    from bot.web_server import is_civicast_sandbox

    services = app.services
    cfg = app.settings.channels.sandbox
    sandbox = None
    if is_civicast_sandbox(cfg.url):
        click.echo(f"using the sandbox already running on {cfg.url} (inboxes at {cfg.url}/sandbox)")
    else:
        sandbox = services.build_sandbox()
        try:
            url = sandbox.serve_in_thread(cfg.host, cfg.port)
        except OSError as exc:
            raise RuntimeFailure(
                f"cannot start the sandbox on {cfg.host}:{cfg.port} (channels.sandbox.port): "
                f"{exc.strerror or exc}, and what listens there is not a civicast sandbox"
            ) from None
        click.echo(f"sandbox LINE and Graph APIs on {url} (inboxes at {url}/sandbox)")
    if with_menus:
        _sandbox_rich_menus(services)
    return sandbox


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: web.host, 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on (default: web.port, 8000)."
)
@click.option("--dev", is_flag=True, help="Werkzeug's development server, restarting when the code changes.")
@click.pass_obj
def serve_command(app: AppContext, host: str | None, port: int | None, dev: bool) -> None:
    """Run the web application under gunicorn; in the embedded default (SQLite) with the scheduler and
    workers in its process, and the sandbox beside it in sandbox mode."""
    from bot.cli.processes import configure_logging
    from bot.web_server import DevelopmentServer, ServerUnavailable, ThreadedServer, server_for

    configure_logging(app.settings.logging)
    settings = app.settings
    server = server_for(settings, dev=dev, host=host, port=port)
    parts = (
        "with the scheduler and workers"
        if settings.embedded
        else "web only: run civicast scheduler, civicast worker (and civicast webhook-worker) beside it"
    )
    where = f"http://{host or settings.web.host}:{settings.web.port if port is None else port}"
    summary = (
        f"civicast on {where}: console /console, API /api/v1, public notices /notices, "
        f"feeds /feeds/cap.atom; {parts}; Ctrl-C stops"
    )
    if isinstance(server, DevelopmentServer):

        def on_start() -> None:
            _prepare(app)
            click.echo(f"{summary} (development server)")

        def in_watcher() -> Callable[[], None] | None:
            # The sandbox lives in the watching process, so a reload keeps its inboxes, menus and LINE quota.
            sandbox = _start_sandbox(app, with_menus=False) if settings.channels.mode == "sandbox" else None
            return sandbox.stop if sandbox is not None else None

        server.run(on_start=on_start, in_watcher=in_watcher)
        return
    sandbox = _prepare(app)
    if isinstance(server, ThreadedServer):
        click.echo(f"{summary} (1 × {settings.web.threads} threads under waitress)")
    else:
        click.echo(f"{summary} ({settings.web_workers} × {settings.web.threads} threads under gunicorn)")
    try:
        status = server.run()
    except ServerUnavailable as exc:
        raise RuntimeFailure(str(exc)) from None
    finally:
        if sandbox is not None:
            sandbox.stop()
    if status != 0:
        raise RuntimeFailure(f"the web server stopped with status {status} (cannot listen on {where}?)")
    click.echo("stopped")
