"""Prometheus exposition: this process's counters plus what the database says at scrape time.

The counters and histograms are defined in ``messages/metrics.py`` and counted where things happen.
The gauges here are read from the database when Prometheus scrapes, by the web process answering
(outbox depth and oldest outstanding delivery per channel, paused channels, the webhook queue, the
scheduler leader): the database is their truth, whichever process did the work.

Under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory for every worker (before they
start): each process then keeps its values in files there and ``/metrics`` adds them up. Call
``prepare_multiprocess_dir()`` from gunicorn's ``on_starting`` hook and ``worker_exited(worker.pid)`` from
its ``child_exit`` hook.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.conversation.models import RESUME_WINDOW, WebhookEvent
from scheduler.jobs import leading_here
from scheduler.leadership import LEADER_LOCK_KEY
from scheduler.outbox import OUTSTANDING, ChannelState, Delivery

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
WEBHOOK_CHANNELS = ("line", "messenger")
_LEADERS = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = CAST(:key AS int8) "
    "AND objid = hashtext(current_schema())::int8 & 4294967295 AND objsubid = 2 AND granted"
)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time, in one short read-only session."""

    def __init__(
        self,
        session_factory: sessionmaker,
        channels: Callable[[], Iterable[str]],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.session_factory = session_factory
        self.channels = channels  # the configured ones: each gets its series, 0 when idle
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        started = time.perf_counter()
        up = GaugeMetricFamily("civicast_database_up", "1 when the database answered this scrape")
        try:
            families = self._read()
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families
        took = GaugeMetricFamily("civicast_database_scrape_seconds", "Time reading the database's gauges")
        took.add_metric([], time.perf_counter() - started)
        yield took

    def _read(self) -> list[GaugeMetricFamily]:
        now = self.clock()
        channels = list(self.channels())
        with self.session_factory() as session:
            depth_rows = session.execute(
                select(Delivery.channel, Delivery.status, func.count(), func.min(Delivery.created_at))
                .where(Delivery.status.in_(OUTSTANDING))
                .group_by(Delivery.channel, Delivery.status)
            ).all()
            paused = dict(session.execute(select(ChannelState.channel, ChannelState.paused)).all())
            webhook_rows = session.execute(
                select(WebhookEvent.channel, func.count(), func.min(WebhookEvent.received_at))
                .where(WebhookEvent.handled_at.is_(None), WebhookEvent.received_at > now - RESUME_WINDOW)
                .group_by(WebhookEvent.channel)
            ).all()
            if session.get_bind().dialect.name == "postgresql":
                leaders = int(session.scalar(_LEADERS, {"key": LEADER_LOCK_KEY}) or 0)
            else:  # SQLite: one process runs everything, this one
                leaders = int(leading_here())
        depth = GaugeMetricFamily(
            "civicast_outbox_deliveries",
            "Deliveries not yet finished, by status (pending, claimed, failed: waiting to retry)",
            labels=["channel", "status"],
        )
        oldest = GaugeMetricFamily(
            "civicast_outbox_oldest_pending_age_seconds",
            "Age of the oldest delivery not yet finished (0: none)",
            labels=["channel"],
        )
        counts: dict[tuple[str, str], int] = {}
        ages: dict[str, float] = {}
        for channel, status, count, first in depth_rows:
            counts[(channel, status)] = count
            age = max(0.0, (now - _aware(first)).total_seconds())
            ages[channel] = max(ages.get(channel, 0.0), age)
        for channel in sorted(set(channels) | {channel for channel, _ in counts}):
            for status in OUTSTANDING:
                depth.add_metric([channel, status], counts.get((channel, status), 0))
            oldest.add_metric([channel], ages.get(channel, 0.0))
        paused_family = GaugeMetricFamily(
            "civicast_channel_paused", "1 while a channel is paused (quota used up)", labels=["channel"]
        )
        for channel in sorted(set(channels) | set(paused)):
            paused_family.add_metric([channel], 1 if paused.get(channel) else 0)
        queue = GaugeMetricFamily(
            "civicast_webhook_queue_events", "Webhook events stored and not yet answered", labels=["channel"]
        )
        queue_age = GaugeMetricFamily(
            "civicast_webhook_queue_oldest_age_seconds",
            "Age of the oldest webhook event not yet answered (0: none)",
            labels=["channel"],
        )
        waiting = {channel: (count, first) for channel, count, first in webhook_rows}
        for channel in sorted(set(WEBHOOK_CHANNELS) | set(waiting)):
            count, first = waiting.get(channel, (0, None))
            queue.add_metric([channel], count)
            queue_age.add_metric([channel], max(0.0, (now - _aware(first)).total_seconds()) if first else 0.0)
        leader = GaugeMetricFamily("civicast_scheduler_leaders", "Schedulers holding the leader lock (1 is right)")
        leader.add_metric([], leaders)
        return [depth, oldest, paused_family, queue, queue_age, leader]


def process_registry(environ: Mapping[str, str] | None = None) -> CollectorRegistry:
    """The counters and histograms: this process's, or all gunicorn workers' in multiprocess mode."""
    environ = os.environ if environ is None else environ
    if not environ.get(MULTIPROCESS_ENV):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=environ[MULTIPROCESS_ENV])
    return registry


def exposition(database: DatabaseCollector | None, environ: Mapping[str, str] | None = None) -> bytes:
    """The text exposition format: the processes' metrics, then the database's gauges."""
    body = generate_latest(process_registry(environ))
    if database is not None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(database)
        body += generate_latest(registry)
    return body


def serve_process_metrics(host: str, port: int) -> None:
    """``civicast worker``, ``scheduler`` and ``webhook-worker`` with ``--metrics-port``: this process's counters
    on their own port (on a thread), for Prometheus to scrape beside the web's /metrics."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=host, registry=REGISTRY)


def prepare_multiprocess_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """gunicorn ``on_starting``: empty the multiprocess directory (values of a previous run must not count).
    None when multiprocess mode is off."""
    environ = os.environ if environ is None else environ
    if not environ.get(MULTIPROCESS_ENV):
        return None
    directory = Path(environ[MULTIPROCESS_ENV])
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink()
    return directory


def worker_exited(pid: int, environ: Mapping[str, str] | None = None) -> None:
    """gunicorn ``child_exit``: the worker's live gauges stop counting (its counters are kept)."""
    environ = os.environ if environ is None else environ
    if environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, path=environ[MULTIPROCESS_ENV])
