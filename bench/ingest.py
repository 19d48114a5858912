"""Benchmark: from a pushed CAP alert to every resident's phone.

Posts a real-shaped earthquake report of Taiwan's national platform (intensity 4 in Kaohsiung) to the push
endpoint, ``POST /ingest/cap/<secret>``, of the real web application; the default auto-send rule sends it to N
LINE residents through the sandbox LINE API (its own process, at LINE's 200 multicasts/s unless told
otherwise), delivered by the real workers. While it is delivered, more documents are pushed (other alerts,
duplicates, the liveness probe) to time the endpoint's answer under load. Prints JSON:

- ``answer_ms``: the push endpoint's answer to the earthquake; ``answers_under_load_ms``: p50 / max of the
  others, posted while the million are sent, and which was slowest;
- ``first_multicast_s`` / ``last_multicast_s``: from the POST to the first and the last LINE multicast the
  sandbox accepted;
- ``ceiling_ratio``: last_multicast_s ÷ (delivered ÷ 100,000); 1.0 is LINE's multicast ceiling.

    python bench/ingest.py [--subscribers 1000000] [--rate-limit 200] [--database-url URL]

Targets on a 2-core machine: first multicast ≤ 1 s after the POST, ceiling_ratio ≤ 1.10, every answer within
200 ms, duplicates 0, missing 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fanout import clear_notices, default_database_url, free_port, seed, wait_until_up, write_config  # noqa: E402

from tests.support.cap_documents import earthquake  # noqa: E402  (the platform's shape, shared with the tests)

SECRET = "bench-push-secret-0123456789"


PROBE = b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><Test>Test</Test></alert>'


def answers_summary(answers: list[tuple[float, float, str]]) -> dict:
    if not answers:
        return {"count": 0}
    slowest = max(answers)
    return {
        "count": len(answers),
        "p50": round(statistics.median(ms for ms, _, _ in answers), 1),
        "max": round(slowest[0], 1),
        "slowest": f"{slowest[2]}, posted {slowest[1]:.3f} s after the earthquake",
    }


def run(args: argparse.Namespace) -> dict:
    import requests
    from sqlalchemy import delete, func, select
    from werkzeug.serving import make_server

    from bot.app import create_app
    from bot.office.services import Services
    from bot.settings import load_settings
    from ingest.models import IncomingAlert, IngestRule
    from messages.i18n import TAIPEI
    from scheduler.outbox import Delivery, DeliveryStatus, outstanding

    workdir = Path(tempfile.mkdtemp(prefix="civicast-bench-ingest-"))
    database_url = args.database_url or default_database_url()
    port, web_port = free_port(), free_port()
    config = write_config(workdir, database_url, port, args.rate_limit, args.threads)
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f"cap:\n  ingest:\n    push_secret: {SECRET}\n")
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
            session.execute(delete(IngestRule))
        worker = services.build_worker("bench")  # warms the composer and builds the channels first
        app = create_app(services.settings, services)
        server = make_server("127.0.0.1", web_port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        push_url = f"http://127.0.0.1:{web_port}/ingest/cap/{SECRET}"
        http = requests.Session()
        wait_until_up(f"http://127.0.0.1:{web_port}/healthz")
        http.post(push_url, data=PROBE, timeout=10)  # the platform's probe: connects, stores nothing
        services.alert_intake.wait_idle()
        worker.start()

        origin = datetime.now(UTC).astimezone(TAIPEI).replace(microsecond=0)
        document = earthquake(f"CWA-EQ{origin:%Y%m%d%H%M%S}", origin)
        posted_at = time.time()
        answer = http.post(push_url, data=document, headers={"Content-Type": "application/xml"}, timeout=10)
        answer_ms = (time.time() - posted_at) * 1000
        assert b"<Status>True</Status>" in answer.content, answer.text

        # More documents while the million go out: the duplicate, the probe, weaker earthquakes (drafted for
        # officers, so no resident gets a second message), a broken one.
        under_load: list[tuple[float, float, str]] = []  # (ms, seconds after the earthquake's POST, what)
        what = ["duplicate", "probe", "weaker earthquake", "HTML page"]
        for n in range(args.extra_posts):
            weaker = earthquake(f"CWA-EQ-extra-{n}", origin - timedelta(minutes=n + 1), kaohsiung="2級")
            body = [document, PROBE, weaker, b"<html><body>502 Bad Gateway</body></html>"][n % 4]
            started = time.time()
            http.post(push_url, data=body, timeout=10)
            under_load.append(((time.time() - started) * 1000, started - posted_at, what[n % 4]))
            time.sleep(0.2)

        services.alert_intake.wait_idle(timeout=120)
        with services.session_factory() as session:
            notice_id = session.scalar(
                select(IncomingAlert.notice_id).where(
                    IncomingAlert.identifier == f"CWA-EQ{origin:%Y%m%d%H%M%S}", IncomingAlert.duplicate_of.is_(None)
                )
            )
            outcome = session.scalar(select(IncomingAlert.outcome).where(IncomingAlert.notice_id == notice_id))
        assert notice_id is not None, "the earthquake made no notice"
        while True:
            with services.session_factory() as session:
                if outstanding(session, notice_id) == 0:
                    break
            time.sleep(0.05)
        worker.stop()
        server.shutdown()
        with services.session_factory() as session:
            delivered = int(
                session.scalar(
                    select(func.coalesce(func.sum(Delivery.recipient_count), 0)).where(
                        Delivery.notice_id == notice_id, Delivery.status == DeliveryStatus.SENT.value
                    )
                )
            )
            outcomes = dict(
                session.execute(select(IncomingAlert.outcome, func.count()).group_by(IncomingAlert.outcome)).all()
            )
        figures = http.get(f"{base}/sandbox/line/summary", timeout=60).json()
        first_s = figures["first_multicast_at"] - posted_at
        last_s = figures["last_multicast_at"] - posted_at
        return {
            "subscribers": args.subscribers,
            "database": services.engine.dialect.name,
            "rate_limit_rps": args.rate_limit,
            "outcome": outcome,
            "answer_ms": round(answer_ms, 1),
            "answers_under_load_ms": answers_summary(under_load),
            "first_multicast_s": round(first_s, 3),
            "last_multicast_s": round(last_s, 3),
            "delivered": delivered,
            "duplicates": figures["users_with_more_than_one"],
            "missing": args.subscribers - figures["users"],
            "ceiling_ratio": round(last_s / (delivered / 100_000), 3) if delivered else None,
            "incoming_outcomes": outcomes,
            "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
            "date": datetime.now(UTC).date().isoformat(),
        }
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
        sandbox_log.close()


def main() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per POST would drown the figures
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument(
        "--rate-limit", type=float, default=200.0, help="the sandbox's multicast limit in requests/s (LINE's is 200)"
    )
    parser.add_argument("--database-url", default=None, help="default: SQLite under var/")
    parser.add_argument("--threads", type=int, default=6, help="sender threads (workers.max_threads_per_channel)")
    parser.add_argument("--extra-posts", type=int, default=20, help="documents pushed while the notice goes out")
    print(json.dumps(run(parser.parse_args()), indent=2, default=str))


if __name__ == "__main__":
    main()
