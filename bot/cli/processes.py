"""``civicast worker``, ``civicast webhook-worker`` and ``civicast scheduler``: the long-running processes."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

import click

from bot.cli.base import AppContext, RuntimeFailure
from bot.logs import configure_logging as configure
from bot.settings import LoggingSettings


def configure_logging(settings: LoggingSettings | None = None) -> None:
    """Text or JSON lines (``logging.format``); see ``bot/logs.py``."""
    configure(settings)


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def metrics_port_option(command: Callable[..., None]) -> Callable[..., None]:
    return click.option(
        "--metrics-port",
        type=click.IntRange(1, 65535),
        default=None,
        help="Serve this process's Prometheus metrics on this port (on 127.0.0.1 unless "
        "--metrics-host says otherwise).",
    )(
        click.option(
            "--metrics-host", default="127.0.0.1", show_default=True, help="Address the metrics port listens on."
        )(command)
    )


def _serve_metrics(host: str, port: int | None) -> None:
    if port is None:
        return
    from bot.metrics import serve_process_metrics

    try:
        serve_process_metrics(host, port)
    except OSError as exc:
        raise RuntimeFailure(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"metrics on http://{host}:{port}/metrics", err=True)


@click.command("worker")
@click.option("--id", "worker_id", default=None, help="Worker name in the outbox (default: host:pid).")
@metrics_port_option
@click.pass_obj
def worker_command(app: AppContext, worker_id: str | None, metrics_host: str, metrics_port: int | None) -> None:
    """Deliver outbox rows until stopped (scale out: run several, on PostgreSQL)."""
    configure_logging(app.settings.logging)
    _serve_metrics(metrics_host, metrics_port)
    worker = app.services.build_worker(worker_id)
    worker.start()
    click.echo(f"worker {worker.settings.worker_id} sending on {', '.join(worker.channels)}", err=True)
    _wait_for_signal()
    worker.stop()
    click.echo(f"worker stopped: {worker.counters}", err=True)


@click.command("webhook-worker")
@metrics_port_option
@click.pass_obj
def webhook_worker_command(app: AppContext, metrics_host: str, metrics_port: int | None) -> None:
    """Answer the webhook events web processes stored (with webhooks.handle_in_web: false)."""
    from bot.webhooks.worker import WebhookWorker

    configure_logging(app.settings.logging)
    _serve_metrics(metrics_host, metrics_port)
    worker = WebhookWorker(app.services)
    worker.start()
    click.echo("webhook worker answering stored LINE and Messenger events", err=True)
    _wait_for_signal()
    worker.stop()


@click.command("scheduler")
@metrics_port_option
@click.pass_obj
def scheduler_command(app: AppContext, metrics_host: str, metrics_port: int | None) -> None:
    """Run scheduled and recurring sends; with several processes on PostgreSQL, one leads."""
    configure_logging(app.settings.logging)
    _serve_metrics(metrics_host, metrics_port)
    service = app.services.build_scheduler()
    service.on_leading = lambda leading: click.echo("leading" if leading else "standing by", err=True)
    service.start()
    click.echo(f"scheduler started (misfire grace {service.misfire_grace_s:g} s); waiting to lead", err=True)
    _wait_for_signal()
    service.stop()
