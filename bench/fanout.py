"""Benchmark: fan one notice out to N residents through the sandbox LINE API, exactly once.

The sandbox runs in its own process (``civicast sandbox``); this process is
civicast: it fans the notice out and runs the real workers. Prints JSON:
subscribers, requests, delivered, duplicates, missing, segment_s, fanout_s,
deliver_s, total_s, recipients_per_s, peak_rss_mb and ceiling_ratio
(total_s ÷ (delivered ÷ 100,000): 1.0 is LINE's multicast ceiling of 200
requests/s × 500 recipients).

    python bench/fanout.py [--subscribers 1000000] [--rate-limit 200] [--database-url URL] [--scrape-metrics]

``--scrape-metrics`` reads civicast's Prometheus exposition (this process's counters and the database's
gauges, as /metrics answers them) every ``--scrape-interval`` seconds while the workers deliver, and adds
``metrics``: the outbox depth at each scrape and the residents the counters say were delivered, beside the
bench's own ``delivered`` (with --workers > 1 the other processes' counters are theirs, not counted here).

Targets on a 2-core machine: with --rate-limit 200, ceiling_ratio ≤ 1.10; with no
limit, ≥ 200,000 recipients/s; peak RSS ≤ 300 MB; duplicates 0, missing 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def default_database_url() -> str:
    """SQLite under var/ (kept between runs, so a second run skips seeding), created on a fresh clone."""
    (ROOT / "var").mkdir(exist_ok=True)
    return f"sqlite:///{ROOT / 'var' / 'bench.db'}"


def clear_notices(session) -> None:  # noqa: ANN001
    """The previous run's notices, their deliveries and the alerts they came from (the benchmarks share var/)."""
    from sqlalchemy import delete

    from ingest.models import AlertKey, FeedEntry, IncomingAlert
    from messages.models import Notice
    from scheduler.outbox import Delivery

    for table in (Delivery, FeedEntry, AlertKey, IncomingAlert, Notice):
        session.execute(delete(table))


def write_config(
    directory: Path, database_url: str, port: int, rate_limit: float | None, threads: int = 6, workers: int = 1
) -> Path:
    limit = f"\n      rate_limit_rps: {rate_limit}" if rate_limit else ""
    path = directory / "config.yaml"
    path.write_text(
        f"database:\n  url: {database_url}\n"
        "translation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {port}\n    line:\n      seed: 1{limit}\n"
        "  facebook:\n    enabled: false\n"
        f"  line:\n    requests_per_second: {rate_limit or 100000}\n"
        "workers:\n  lease_s: 30\n  claim_batch: 100\n  poll_s: 0.05\n  backoff_base_s: 0.2\n  backoff_max_s: 2\n"
        # unlimited: write outcomes in bigger groups to save CPU; limited: CPU is spare, write them promptly
        f"  record_interval_s: {0.05 if rate_limit else 0.2}\n"
        f"  max_threads_per_channel: {threads}\n  rate_share: {1 / workers}\n",
        encoding="utf-8",
    )
    return path


def seed(config: Path, count: int) -> None:
    """Residents, in a child process so its memory does not count against civicast's."""
    code = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from datetime import UTC, datetime
from sqlalchemy import delete, func, insert, select, text
from bot.database import upgrade_database
from bot.office.services import Services
from bot.settings import load_settings
from messages.i18n import LANGUAGES
from scheduler.audience import ALL_TOPICS, Subscriber
services = Services(load_settings({str(config)!r}, environ={{}}))
upgrade_database(services.engine)
with services.session_factory.begin() as session:
    have = session.scalar(select(func.count()).select_from(Subscriber).where(Subscriber.label == "bench"))
    if have != {count}:
        session.execute(delete(Subscriber))
        languages = list(LANGUAGES)
        now = datetime.now(UTC)
        for start in range(0, {count}, 20000):
            session.execute(insert(Subscriber), [
                {{"channel": "line", "platform_user_id": "U%032x" % i, "language": languages[i % 12],
                  "topics": ALL_TOPICS, "districts": 0, "whole_city": True, "status": "active",
                  "test_recipient": False, "label": "bench", "created_at": now, "updated_at": now}}
                for i in range(start, min({count}, start + 20000))])
if services.engine.dialect.name == "postgresql":
    with services.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE subscribers"))
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def wait_for_log(path: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never said {text!r}")
        time.sleep(0.1)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def wait_until_up(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class MetricsScraper:
    """Scrapes the exposition on a thread while the workers run, as Prometheus would scrape /metrics."""

    def __init__(self, services, interval_s: float) -> None:  # noqa: ANN001
        import threading

        from bot.metrics import DatabaseCollector

        self.collector = DatabaseCollector(services.session_factory, lambda: services.channels.keys())
        self.interval_s = interval_s
        self.depths: list[tuple[float, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="scrape-metrics", daemon=True)
        self.started = time.perf_counter()
        self.delivered_before = self.delivered(self.scrape())

    def scrape(self) -> dict[str, float]:
        """Sample name and labels → value, from the text exposition format."""
        from prometheus_client.parser import text_string_to_metric_families

        from bot.metrics import exposition

        samples: dict[str, float] = {}
        for family in text_string_to_metric_families(exposition(self.collector).decode()):
            for sample in family.samples:
                key = sample.name + json.dumps(sample.labels, sort_keys=True)
                samples[key] = sample.value
        return samples

    @staticmethod
    def depth(samples: dict[str, float]) -> int:
        return int(sum(value for key, value in samples.items() if key.startswith("civicast_outbox_deliveries{")))

    @staticmethod
    def delivered(samples: dict[str, float]) -> int:
        return int(
            sum(
                value
                for key, value in samples.items()
                if key.startswith("civicast_delivery_recipients_total{")
                and json.loads(key[key.index("{") :]).get("channel") == "line"
                and json.loads(key[key.index("{") :]).get("outcome") in ("sent", "duplicate")
            )
        )

    def _run(self) -> None:
        while not self.stop.wait(self.interval_s):
            self.depths.append((round(time.perf_counter() - self.started, 2), self.depth(self.scrape())))

    def start(self) -> None:
        self.started = time.perf_counter()
        self.depths.append((0.0, self.depth(self.scrape())))
        self.thread.start()

    def finish(self) -> dict:
        self.stop.set()
        self.thread.join()
        final = self.scrape()
        self.depths.append((round(time.perf_counter() - self.started, 2), self.depth(final)))
        return {
            "outbox_depth_samples": self.depths,
            "final_outbox_depth": self.depth(final),
            "delivered_by_counters": self.delivered(final) - self.delivered_before,
            "scrapes": len(self.depths) + 1,
        }  # and the one before the run


def run(args: argparse.Namespace) -> dict:
    import requests
    from sqlalchemy import func, select, text

    from bot.office import desk, drafts
    from bot.office.accounts import actor_of, create_officer, find_officer
    from bot.office.services import Services
    from bot.settings import load_settings
    from scheduler.audience import notice_district_mask, segment
    from scheduler.outbox import Delivery, DeliveryStatus, outstanding
    from scheduler.sending import send_now

    workdir = Path(tempfile.mkdtemp(prefix="civicast-bench-"))
    database_url = args.database_url or default_database_url()
    port = free_port()
    config = write_config(workdir, database_url, port, args.rate_limit, args.threads, args.workers)
    seed(config, args.subscribers)
    sandbox_log = open(workdir / "sandbox.log", "w")  # noqa: SIM115
    sandbox = subprocess.Popen(
        [str(Path(sys.executable).parent / "civicast"), "--config", str(config), "sandbox"],
        stdout=sandbox_log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/sandbox")
        services = Services(load_settings(config, environ={}))
        with services.session_factory.begin() as session:
            clear_notices(session)
            officers = {}
            for name, role in (("bench-editor", "editor"), ("bench-approver", "approver")):
                officers[name] = actor_of(find_officer(session, name) or create_officer(session, name, role)[0])
            editor, approver = officers["bench-editor"], officers["bench-approver"]
            kind = services.kinds.get("typhoon_land_warning")
            now = datetime.now(UTC)
            notice_id = drafts.compose_notice(
                session, services.composer, editor, drafts.NoticeInput(kind.id, kind.example_params), now=now
            ).id
            desk.submit_notice(
                session, editor, notice_id, glossary=services.glossary, channels=services.channel_limits, now=now
            )
        desk.approve_notice(services.dispatch, approver, notice_id)
        if services.engine.dialect.name == "postgresql":
            # Earlier runs' deleted rows would slow this one down (this server runs without autovacuum).
            with services.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE deliveries, delivery_recipients, notices"))

        worker = services.build_worker("bench")  # builds the channels: the SDK import is not fan-out time
        assert services.dispatch.channels
        # Scale-out: the other workers are `civicast worker` processes, each with its share of the rate.
        helpers = [
            subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "civicast"),
                    "--config",
                    str(config),
                    "worker",
                    "--id",
                    f"bench-{n}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=open(workdir / f"worker-{n}.log", "w"),
            )  # noqa: SIM115
            for n in range(1, args.workers)
        ]
        for n in range(1, args.workers):
            wait_for_log(workdir / f"worker-{n}.log", "sending on")
        started = time.perf_counter()
        with services.session_factory() as session:
            segmented = sum(
                len(users)
                for _, users in segment(
                    session,
                    channel="line",
                    topic="disaster",
                    districts_mask=notice_district_mask(services.glossary, ["all"]),
                )
            )
        segment_s = time.perf_counter() - started

        started = time.perf_counter()
        fanout = send_now(services.dispatch, notice_id)  # the fan-out itself; the desk's checks come before it
        fanout_s = time.perf_counter() - started

        scraper = MetricsScraper(services, args.scrape_interval) if args.scrape_metrics else None
        started = time.perf_counter()
        if scraper is not None:
            scraper.start()
        worker.start()
        while True:
            with services.session_factory() as session:
                if outstanding(session, notice_id) == 0:
                    break
            # Polling costs the workers CPU: often only when the rate limit leaves CPU to spare.
            time.sleep(0.02 if args.rate_limit else 0.1)
        deliver_s = time.perf_counter() - started
        worker.stop()
        metrics = scraper.finish() if scraper is not None else None
        helper_rss = [peak_rss_mb(helper.pid) for helper in helpers]
        for helper in helpers:
            helper.terminate()
            helper.wait(timeout=30)

        with services.session_factory() as session:
            delivered = session.scalar(
                select(func.coalesce(func.sum(Delivery.recipient_count), 0)).where(
                    Delivery.notice_id == notice_id, Delivery.status == DeliveryStatus.SENT.value
                )
            )
        figures = requests.get(f"{base}/sandbox/line/summary", timeout=60).json()
        stats = figures["stats"]
        total_s = fanout_s + deliver_s
        received = figures["users"]
        result = {
            "subscribers": args.subscribers,
            "database": services.engine.dialect.name,
            "rate_limit_rps": args.rate_limit,
            "segmented": segmented,
            "deliveries": fanout.deliveries,
            "requests": stats.get("multicast_http_requests", 0),
            "refused_429": stats.get("multicast_http_requests", 0)
            - stats.get("multicast_requests", 0)
            - stats.get("retry_key_conflicts", 0),
            "delivered": int(delivered),
            "duplicates": figures["users_with_more_than_one"],
            "missing": args.subscribers - received,
            "segment_s": round(segment_s, 3),
            "fanout_s": round(fanout_s, 3),
            "deliver_s": round(deliver_s, 3),
            "total_s": round(total_s, 3),
            "recipients_per_s": round(int(delivered) / deliver_s) if deliver_s else None,
            "peak_rss_mb": max([round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), *helper_rss]),
            "worker_processes": args.workers,
            "ceiling_ratio": round(total_s / (int(delivered) / 100_000), 3) if delivered else None,
            "worker": worker.counters,
            "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
            "date": datetime.now(UTC).date().isoformat(),
        }
        if metrics is not None:
            result["metrics"] = metrics
        return result
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
        sandbox_log.close()


def main() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        help="the sandbox's multicast limit in requests/s (LINE's is 200); default: none",
    )
    parser.add_argument("--database-url", default=None, help="default: SQLite under var/")
    parser.add_argument("--threads", type=int, default=6, help="sender threads (workers.max_threads_per_channel)")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes: this one plus N-1 `civicast worker` processes"
    )
    parser.add_argument(
        "--scrape-metrics",
        action="store_true",
        help="scrape the Prometheus exposition during the run and report what it said",
    )
    parser.add_argument("--scrape-interval", type=float, default=1.0, help="seconds between scrapes")
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
