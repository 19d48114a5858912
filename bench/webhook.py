"""Benchmark: signed LINE webhook deliveries against civicast under gunicorn, and how fast they are answered.

Starts the sandbox (``civicast sandbox``, which answers the bot's replies and
pushes) and gunicorn serving ``bot.wsgi:create()`` (storing events), then posts
webhook requests signed exactly as LINE signs them: residents following,
choosing a language, topics and a district, opening the menu and asking FAQ
questions, one event per request as LINE sends a one-to-one chat's events, each
resident's in order and many residents at once. Every event carries a reply
token the sandbox issued, so a push is a real fallback. Prints JSON:

* accepted events/s and the p50/p99/max latency of the webhook's answer;
* ``answered_events_per_s``: ``--webhook-workers`` ``civicast webhook-worker`` processes started
  on the stored backlog, answering it (replies accepted by the sandbox), the rate between 10 % and
  90 % of the backlog, with their CPU per event; ``push_fallbacks`` among those answers;
* ``sandbox_reply_ceiling_per_s``: reply requests/s the sandbox takes from a bare keep-alive HTTP
  client in the same run, and civicast's rate as a ratio of it;
* ``steady``: ``--steady-rate`` events/s offered for ``--steady-seconds`` with the workers running,
  the p50/p99 from each webhook POST to the sandbox's acceptance of its reply (and the p99 of each 10 s),
  and pushes.

    python bench/webhook.py [--events 8000] [--webhook-workers 2] [--steady-rate 300] [--database-url URL]

Targets on a 2-core machine with PostgreSQL: ≥ 1,000 accepted events/s with p99 < 100 ms; ≥ 500
answered events/s (or ≥ 0.8 of the sandbox's ceiling where that is below 625/s); p99 receipt to
reply ≤ 2 s at 300 events/s; ≤ 1 % of answers by push. On PostgreSQL the benchmark works in a
schema of its own and drops it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webhook_answers import drain, interleaved, issue_tokens, reply_ceiling, sandbox_stats, steady_load  # noqa: E402
from webhook_processes import (  # noqa: E402
    children,
    cpu_seconds,
    drop_schema,
    fresh_schema,
    percentile,
    postgres_cpu_seconds,
)

from bot.channel_settings import SANDBOX_SECRETS  # noqa: E402

SECRET = SANDBOX_SECRETS["line.channel_secret"]
QUESTIONS = [
    "What is the 1999 hotline?",
    "where do I get dengue spraying",
    "typhoon day off tomorrow?",
    "I lost my wallet on the MRT",
    "menu",
    "Can I use the city logo?",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def resident_events(user: str, index: int) -> list[dict]:
    """What one resident sends: follow, language, two topics, a district, the menu, questions."""

    def event(kind: str, **extra) -> dict:
        return {
            "type": kind,
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": user},
            "webhookEventId": uuid.uuid4().hex.upper()[:26],
            "deliveryContext": {"isRedelivery": False},
            "replyToken": uuid.uuid4().hex,
            **extra,
        }

    def text(words: str) -> dict:
        return event(
            "message", message={"id": str(uuid.uuid4().int)[:18], "type": "text", "text": words, "quoteToken": "q"}
        )

    def tap(data: str) -> dict:
        return event("postback", postback={"data": data})

    return [
        event("follow", follow={"isUnblocked": False}),
        tap("action=lang&code=en"),
        tap("action=topic&t=transport"),
        tap("action=topics_done"),
        tap("action=district&d=sanmin"),
        text(QUESTIONS[index % len(QUESTIONS)]),
        text(QUESTIONS[(index + 1) % len(QUESTIONS)]),
        tap("action=menu"),
    ]


def signed(event: dict) -> tuple[bytes, str]:
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}).encode()
    return body, base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def wait_for(url_host: str, port: int, path: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(url_host, port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on {url_host}:{port}{path}")


def post_all(port: int, residents: list[list[tuple[bytes, str]]], concurrency: int) -> tuple[list[float], int, float]:
    """Residents write at once over `concurrency` keep-alive connections, each one's events in order.

    Latencies (s) of every request, how many were not answered 200, and the wall time.
    """
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    position = [0]

    def sender() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        while True:
            with lock:
                if position[0] >= len(residents):
                    break
                script = residents[position[0]]
                position[0] += 1
            for body, signature in script:
                started = time.perf_counter()
                connection.request(
                    "POST",
                    "/webhooks/line",
                    body=body,
                    headers={"Content-Type": "application/json", "X-Line-Signature": signature},
                )
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                if response.status != 200:
                    bad += 1
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=sender) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures[0], time.perf_counter() - started


def handled_count(database_url: str, since: datetime) -> int:
    """Events received since `since` that the bot has answered."""
    from sqlalchemy import func, select

    from bot.conversation.models import WebhookEvent
    from messages.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return (
                connection.scalar(
                    select(func.count())
                    .select_from(WebhookEvent)
                    .where(WebhookEvent.handled_at.is_not(None), WebhookEvent.received_at >= since)
                )
                or 0
            )
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=8_000, help="the stored backlog the webhook workers answer")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--gunicorn-threads", type=int, default=2)
    parser.add_argument("--webhook-workers", type=int, default=2, help="civicast webhook-worker processes")
    parser.add_argument("--webhook-threads", type=int, default=8, help="answering threads per webhook worker")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    # gthread keeps connections alive between deliveries; sync closes each one
    parser.add_argument("--worker-class", default="gthread", choices=("gthread", "sync"))
    parser.add_argument("--answer-for", type=float, default=120, help="seconds at most to wait for the backlog")
    parser.add_argument("--ceiling-seconds", type=float, default=5)
    parser.add_argument("--steady-rate", type=float, default=300, help="offered events/s (0: skip)")
    parser.add_argument("--steady-seconds", type=float, default=60)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="civicast-webhook-bench-"))
    database_url, schema = fresh_schema(args.database_url or f"sqlite:///{workdir / 'civicast.db'}")
    sandbox_port, web_port = free_port(), free_port()
    config = workdir / "config.yaml"
    config.write_text(
        f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {sandbox_port}\n"
        # gunicorn's workers only store events; webhook workers answer them
        f"webhooks:\n  handle_in_web: false\n  poll_s: 0.05\n  threads: {args.webhook_threads}\n"
        "web:\n  embedded: false\n",  # the web processes serve only, as in a deployment
        encoding="utf-8",
    )
    env = {**os.environ, "CIVICAST_CONFIG": str(config)}
    civicast = str(Path(sys.executable).with_name("civicast"))
    subprocess.run([civicast, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([civicast, "faq", "seed"], env=env, check=True, capture_output=True)

    scripts = [resident_events("U" + uuid.uuid4().hex, index) for index in range(max(1, args.events // 8))]
    processes = []
    log = workdir / "gunicorn.log"
    try:
        processes.append(
            subprocess.Popen(
                [civicast, "sandbox", "--port", str(sandbox_port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for("127.0.0.1", sandbox_port, "/sandbox")
        processes.append(
            subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "--workers",
                    str(args.gunicorn_workers),
                    "--worker-class",
                    args.worker_class,
                    "--threads",
                    str(args.gunicorn_threads),
                    "--bind",
                    f"127.0.0.1:{web_port}",
                    "--log-level",
                    "warning",
                    "bot.wsgi:create()",
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log.open("wb"),
            )
        )
        wait_for("127.0.0.1", web_port, "/healthz")

        # warm-up: the workers load their catalogs and FAQ before the clock starts
        warm_up = [resident_events("U" + uuid.uuid4().hex, i) for i in range(4)]
        # Every event carries a reply token the sandbox issued (as LINE issues one with each event it delivers).
        events = [event for script in warm_up + scripts for event in script]
        for event, token in zip(
            events, issue_tokens(sandbox_port, [e["source"]["userId"] for e in events]), strict=True
        ):
            event["replyToken"] = token
        post_all(web_port, [[signed(event) for event in script] for script in warm_up], 4)
        residents = [[signed(event) for event in script] for script in scripts]
        since = datetime.now(UTC)
        client_cpu = time.process_time()
        latencies, failures, wall = post_all(web_port, residents, args.concurrency)
        client_cpu = time.process_time() - client_cpu
        accepted = len(latencies) - failures
        # Then the webhook workers answer what was stored (on a 2-core machine they would otherwise take the
        # CPU the webhook is being measured on).
        before = sandbox_stats(sandbox_port)
        workers = [
            subprocess.Popen([civicast, "webhook-worker"], env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"))
            for _ in range(args.webhook_workers)
        ]
        processes += workers

        def cpu() -> dict[str, float]:
            return {
                "webhook_workers": sum(cpu_seconds(w.pid) for w in workers),
                "sandbox": cpu_seconds(processes[0].pid),
                "gunicorn": sum(cpu_seconds(pid) for pid in [processes[1].pid, *children(processes[1].pid)]),
                **({"postgres": postgres_cpu_seconds()} if schema else {}),
            }

        answered = drain(accepted, lambda: handled_count(database_url, since), timeout_s=args.answer_for, cpu=cpu)
        drained = sandbox_stats(sandbox_port)
        # The sandbox's own ceiling, with the same processes running (idle now), from a bare HTTP client.
        ceiling = reply_ceiling(
            sandbox_port,
            SANDBOX_SECRETS["line.channel_access_token"],
            scripts[0][0]["source"]["userId"],
            seconds=args.ceiling_seconds,
            concurrency=8,
        )
        steady = None
        if args.steady_rate > 0:
            count = int(args.steady_rate * args.steady_seconds)
            steady_scripts = [resident_events("U" + uuid.uuid4().hex, i) for i in range(count // 8)]
            group = max(1, int(args.steady_rate))  # each resident writes about once a second
            steady = steady_load(
                web_port,
                sandbox_port,
                interleaved(steady_scripts, group),
                signed,
                rate=args.steady_rate,
                senders=max(32, args.concurrency),
                group=group,
                cpu=cpu,
            )
        rate = answered["answered_events_per_s"]
        print(
            json.dumps(
                {
                    "machine": f"{os.cpu_count()} cores, "
                    f"{platform.python_implementation()} {platform.python_version()}",
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                    "database": database_url.split(":")[0].split("+")[0],
                    "gunicorn": f"{args.gunicorn_workers} {args.worker_class} workers"
                    + (f" × {args.gunicorn_threads} threads" if args.worker_class == "gthread" else ""),
                    "webhook_workers": f"{args.webhook_workers} processes × {args.webhook_threads} threads",
                    "events": len(latencies),
                    "failed": failures,
                    "concurrency": args.concurrency,
                    "accepted_events_per_s": round(accepted / wall),
                    "load_generator_cpu_share": f"{client_cpu / wall:.0%} of a core (this benchmark's own HTTP client)",
                    "latency_ms": {
                        "p50": round(percentile(latencies, 0.50) * 1000, 1),
                        "p99": round(percentile(latencies, 0.99) * 1000, 1),
                        "max": round(max(latencies) * 1000, 1),
                    },
                    "backlog": answered,
                    "answered_events_per_s": rate,
                    "sandbox_reply_ceiling_per_s": round(ceiling),
                    "ratio_to_sandbox_ceiling": round(rate / ceiling, 2) if ceiling else None,
                    "push_fallbacks": drained.get("push_requests", 0) - before.get("push_requests", 0),
                    "steady": steady,
                    "server_errors_logged": log.read_text(errors="replace").count("Traceback"),
                    "server_log": str(log),
                },
                indent=2,
            )
        )
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if schema:
            drop_schema(database_url, schema)


if __name__ == "__main__":
    main()
