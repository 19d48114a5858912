"""``civicast serve``: the web application, with the sandbox alongside it in sandbox mode."""

from __future__ import annotations

import signal
import threading

import click
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.serving import make_server

from bot.cli_base import AppContext, RuntimeFailure
from bot.conversation.faq import FaqFileError, seed_if_empty
from bot.database import upgrade_database
from channels.base import ChannelError


def _sandbox_rich_menus(services) -> None:  # type: ignore[no-untyped-def]
    """The sandbox starts empty each time: give it the rich menus, as `civicast line richmenu` does on LINE."""
    from bot.conversation.texts import BotTexts
    from bot.richmenu import FontMissing, RichMenus

    menus = RichMenus(services.line, BotTexts(services.catalogs))
    try:
        created = menus.create_all(services.settings.languages)
        menus.make_default(created, services.settings.default_language)
    except (FontMissing, ChannelError) as exc:
        click.echo(f"rich menus not created: {exc}")
        return
    with services.session_factory.begin() as session:
        RichMenus.remember(session, created)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.pass_obj
def serve_command(app: AppContext, host: str, port: int) -> None:
    """Run everything in one process: web application, scheduler, workers, and the sandbox in sandbox mode."""
    from bot.app import create_app
    from bot.cli_processes import configure_logging

    configure_logging(app.settings.logging)
    settings = app.settings
    services = app.services
    try:
        upgrade_database(services.engine)  # the embedded default needs no separate set-up step
        seeded = seed_if_empty(services.session_factory)  # officers' later edits are never overwritten
    except SQLAlchemyError as exc:
        raise RuntimeFailure(f"database unavailable or not upgradable: {exc.__class__.__name__}: {exc}") from None
    except FaqFileError as exc:
        raise RuntimeFailure(f"FAQ files unusable: {exc}") from None
    if seeded:
        click.echo(f"FAQ seeded: {seeded} entries from bot/data/faq")
    sandbox = None
    if settings.channels.mode == "sandbox":
        sandbox = services.build_sandbox()
        try:
            url = sandbox.serve_in_thread(settings.channels.sandbox.host, settings.channels.sandbox.port)
        except OSError as exc:
            raise RuntimeFailure(f"cannot start the sandbox on port {settings.channels.sandbox.port}: "
                                 f"{exc.strerror or exc}") from None
        click.echo(f"sandbox LINE and Graph APIs on {url} (inboxes at {url}/sandbox)")
        _sandbox_rich_menus(services)
    worker = services.build_worker()  # warms the composer up before the first request can arrive
    scheduler = services.build_scheduler()
    try:
        server = make_server(host, port, create_app(settings, services), threaded=True)
    except OSError as exc:
        raise RuntimeFailure(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    scheduler.start()
    worker.start()
    click.echo(f"civicast on http://{host}:{port}: console /console, API /api/v1, public notices /notices, "
               "feeds /feeds/cap.atom; with the scheduler and workers; "
               "Ctrl-C stops")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="civicast-web", daemon=True)
    thread.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
        worker.stop()
        scheduler.stop()
        if sandbox is not None:
            sandbox.stop()
        click.echo("stopped")
