"""The web application under gunicorn: its options from the settings, and each web process's life.

``civicast serve`` runs gunicorn in its own process (``ProductionServer``); ``deploy/gunicorn.conf.py``
gives gunicorn's own command the same options. Gunicorn forks its web processes from the
master: each builds its own services (no database connection crosses a fork) and, in the
embedded default, runs the scheduler and the delivery workers beside the web application.
On SIGTERM each process finishes the requests in flight, then stops claiming, writes the
outcomes of the sends in flight and hands back the deliveries it claimed but did not try,
and gives up the scheduler's leader lock.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bot.app import create_app
from bot.logs import configure_logging
from bot.metrics import prepare_multiprocess_dir, worker_exited
from bot.office.services import Services
from bot.settings import Settings

log = logging.getLogger("civicast.web")

PROCESS_KEY = "civicast.web_process"  # where a web process's WebProcess sits in its Flask app's extensions
SANDBOX_PROBE_TIMEOUT_S = 2.0


class WebProcess:
    """One web process: the application and, in the embedded default, the scheduler and delivery workers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.services = Services(settings)
        self.app = create_app(settings, self.services)
        self.app.extensions[PROCESS_KEY] = self
        # Built here, before the first request: building the worker warms the composer up.
        self.worker = self.services.build_worker() if settings.embedded else None
        self.scheduler = self.services.build_scheduler() if settings.embedded else None

    def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.start()
        if self.worker is not None:
            self.worker.start()

    def stop(self, timeout_s: float) -> None:
        """Stop claiming and scheduling; what was claimed and not sent goes back to pending."""
        if self.worker is not None:
            self.worker.stop(timeout=timeout_s)
        if self.scheduler is not None:
            self.scheduler.stop(timeout=timeout_s)  # releases the leader lock as it steps down
        executor: ThreadPoolExecutor | None = self.app.extensions.get("civicast.webhook_executor")
        if executor is not None:
            executor.shutdown(wait=True)  # webhook events being answered are answered
        self.services.close()


def web_process_of(app: Any) -> WebProcess | None:
    extensions = getattr(app, "extensions", None)
    return extensions.get(PROCESS_KEY) if isinstance(extensions, dict) else None


def _post_worker_init(worker: Any) -> None:
    process = web_process_of(worker.wsgi)
    if process is not None:
        process.start()


def _stopper(graceful_timeout_s: float) -> Callable[[Any, Any], None]:
    def worker_exit(_server: Any, worker: Any) -> None:
        process = web_process_of(getattr(worker, "wsgi", None))
        if process is not None:
            # gunicorn kills a process still running after graceful_timeout; the requests took some of it.
            process.stop(timeout_s=graceful_timeout_s * 0.6)

    return worker_exit


def _starter(settings: Settings) -> Callable[[Any], None]:
    def on_starting(_server: Any) -> None:
        """The master, before it forks: the log format, and a clean multiprocess metrics directory if one is set."""
        configure_logging(settings.logging)
        prepare_multiprocess_dir()

    return on_starting


def _child_exit(_server: Any, worker: Any) -> None:
    worker_exited(worker.pid)  # its live gauges stop counting in /metrics


def gunicorn_options(settings: Settings, *, host: str | None = None, port: int | None = None) -> dict[str, Any]:
    """Gunicorn's settings for civicast: threaded processes, the hooks that start and stop each one's parts."""
    web = settings.web
    return {
        "bind": [f"{host or web.host}:{web.port if port is None else port}"],
        "workers": settings.web_workers,
        "worker_class": "gthread",
        "threads": web.threads,
        "timeout": math.ceil(web.timeout_s),  # gunicorn counts whole seconds
        "graceful_timeout": math.ceil(web.graceful_timeout_s),
        "keepalive": 5,
        "preload_app": False,  # each process builds its own services after the fork
        "on_starting": _starter(settings),
        "post_worker_init": _post_worker_init,
        "worker_exit": _stopper(web.graceful_timeout_s),
        "child_exit": _child_exit,
        # The app trusts X-Forwarded-For itself (web.trusted_proxy_hops); gunicorn leaves it as it came.
        "forwarded_allow_ips": "127.0.0.1,::1",
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "civicast",
        "control_socket_disable": True,  # gunicorn's shared ~/.gunicorn socket: not used, and one per host
    }


class ServerUnavailable(RuntimeError):
    """The production server cannot run on this system; the message says what can."""


class ProductionServer:
    """``civicast serve``: gunicorn's master in this process, forking the web processes."""

    def __init__(self, settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
        self.settings = settings
        self.options = gunicorn_options(settings, host=host, port=port)

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT; gunicorn's exit status."""
        try:
            from gunicorn.app.base import BaseApplication
        except ImportError as exc:  # gunicorn needs a POSIX system (fcntl, fork)
            raise ServerUnavailable(
                f"gunicorn cannot run here ({exc}); set web.server: waitress (or auto), or use `civicast serve --dev`"
            ) from None

        settings, options = self.settings, self.options

        class CivicastApplication(BaseApplication):
            def load_config(self) -> None:
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Callable[..., Any]:  # the Flask app: a WSGI callable
                return WebProcess(settings).app

        master = os.getpid()
        try:
            CivicastApplication().run()
        except SystemExit as exc:  # gunicorn's master ends with sys.exit, 0 after a graceful stop
            status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if os.getpid() != master:
                # A web process gunicorn forked, stopped (its worker_exit hook has run): it ends here, never
                # running the rest of the command, which belongs to the master.
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
            return status
        return 0


class ThreadedServer:
    """``civicast serve`` where gunicorn cannot run (``web.server: waitress``, or ``auto`` on Windows): waitress in
    this one process with ``web.threads`` threads. SIGTERM or SIGINT stops accepting, lets the requests in flight
    finish, then stops the scheduler and workers as gunicorn's exit hook would."""

    def __init__(self, settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
        self.settings = settings
        self.host = host or settings.web.host
        self.port = settings.web.port if port is None else port

    def run(self) -> int:
        from waitress.server import create_server

        if self.settings.web_workers > 1:
            log.warning("waitress serves from one process: web.workers (%s) is not used", self.settings.web_workers)
        process = WebProcess(self.settings)
        try:
            server = create_server(process.app, host=self.host, port=self.port, threads=self.settings.web.threads)
        except OSError as exc:
            process.services.close()
            raise ServerUnavailable(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None

        def stop(_signal: int, _frame: object) -> None:
            raise SystemExit(0)  # waitress's loop ends on it, after its threads finish their requests

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        process.start()
        try:
            server.run()
        finally:
            process.stop(timeout_s=self.settings.web.graceful_timeout_s)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0


def gunicorn_runs_here() -> bool:
    try:
        import gunicorn.app.base  # noqa: F401  (needs fcntl and fork: POSIX only)
    except ImportError:
        return False
    return True


class DevelopmentServer:
    """``civicast serve --dev``: Werkzeug's server, restarting the serving process when the code changes."""

    def __init__(self, settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
        self.settings = settings
        self.host = host or settings.web.host
        self.port = settings.web.port if port is None else port

    def run(
        self,
        *,
        on_start: Callable[[], None] | None = None,
        in_watcher: Callable[[], Callable[[], None] | None] | None = None,
    ) -> int:
        """``on_start`` runs in each serving child before it serves; ``in_watcher`` once in the watching parent,
        which outlives every reload (what it returns is called when the parent stops)."""
        from werkzeug.serving import is_running_from_reloader, run_simple

        app: Any = _watcher_only
        stop_watcher_part = None
        if is_running_from_reloader():  # the serving child: the watching parent only restarts it
            if on_start is not None:
                on_start()
            process = WebProcess(self.settings)
            process.start()
            _stop_before_thread_pools_close(lambda: process.stop(timeout_s=10.0))
            app = process.app
        elif in_watcher is not None:
            stop_watcher_part = in_watcher()
        try:
            run_simple(self.host, self.port, app, use_reloader=True, threaded=True)
        finally:
            if stop_watcher_part is not None:
                stop_watcher_part()
        return 0


def _stop_before_thread_pools_close(stop: Callable[[], None]) -> None:
    """Werkzeug ends a serving child with ``sys.exit``. An ``atexit`` function runs after Python has closed the
    thread pools, so the scheduler, still running until then, would log "cannot schedule new futures after
    interpreter shutdown" on each reload; threading's exit hooks run before the pools close (last registered, first
    run), so the embedded parts stop there."""
    import atexit
    import threading

    register = getattr(threading, "_register_atexit", None)
    if register is None:  # an interpreter without the hook: stopped late, but stopped
        atexit.register(stop)
    else:
        register(stop)


def _watcher_only(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The reloader's watching process binds the port for its children but never serves a request."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting\n"]


def server_for(
    settings: Settings, *, dev: bool, host: str | None = None, port: int | None = None
) -> ProductionServer | ThreadedServer | DevelopmentServer:
    if dev:
        return DevelopmentServer(settings, host=host, port=port)
    choice = settings.web.server
    if choice == "waitress" or (choice == "auto" and not gunicorn_runs_here()):
        return ThreadedServer(settings, host=host, port=port)
    return ProductionServer(settings, host=host, port=port)


def is_civicast_sandbox(url: str) -> bool:
    """Whether a civicast sandbox (``civicast sandbox``) already answers at ``url``: its index lists its parts."""
    try:
        index = requests.get(f"{url}/sandbox", timeout=SANDBOX_PROBE_TIMEOUT_S).json()
    except (requests.RequestException, ValueError):
        return False
    return isinstance(index, dict) and isinstance(index.get("line"), dict) and "inbox" in index["line"]
