"""What one webhook worker spends answering each kind of resident event, in one process.

``bench/webhook.py`` measures the whole chain (gunicorn, webhook workers, the sandbox, PostgreSQL) on a shared
2-core host, where the host's own speed moves the figures by a third within an hour. This benchmark measures the
worker's part alone, event kind by event kind, so that two trees can be compared in the same minute: residents'
events (the same script as ``bench/webhook.py``: follow, language, two topic taps, a district, two questions, the
menu) are decided in groups of 8 residents, as a webhook worker's round decides them, and answered through the
sandbox (a process of its own, not counted). For each kind it prints the worker's CPU per event (turn and answer
apart) and the SQL statements per event.

    python bench/webhook_turns.py [--residents 400] [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webhook import free_port, resident_events  # noqa: E402
from webhook_answers import issue_tokens  # noqa: E402
from webhook_processes import drop_schema, fresh_schema  # noqa: E402

KINDS = ["follow", "language", "topic", "topics_done", "district", "question", "question_again", "menu"]
GROUP = 8  # residents decided together, as a webhook worker's round groups them


def with_tokens(port: int, scripts: list[list[dict]]) -> list[list[dict]]:
    events = [event for script in scripts for event in script]
    for event, token in zip(events, issue_tokens(port, [e["source"]["userId"] for e in events]), strict=True):
        event["replyToken"] = token
    return scripts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=400, help="residents per kind of event")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="civicast-webhook-turns-"))
    database_url, schema = fresh_schema(args.database_url or f"sqlite:///{workdir / 'civicast.db'}")
    port = free_port()
    config = workdir / "config.yaml"
    config.write_text(
        f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {port}\nwebhooks:\n  handle_in_web: false\nweb:\n  embedded: false\n",
        encoding="utf-8",
    )
    civicast = str(Path(sys.executable).with_name("civicast"))
    for command in (["db", "upgrade"], ["faq", "seed"]):
        subprocess.run([civicast, "--config", str(config), *command], check=True, capture_output=True)
    sandbox = subprocess.Popen(
        [civicast, "--config", str(config), "sandbox", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Imported here: the application's modules are not needed to set the database up.
    from sqlalchemy import event as sql_event

    from bot.office.services import Services
    from bot.settings import load_settings
    from bot.webhooks.worker import build_bots

    executor = ThreadPoolExecutor(max_workers=1)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/sandbox")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        services = Services(load_settings(config))
        line_bot, _ = build_bots(services, executor, handle_here=True)
        statements = [0]
        sql_event.listen(
            services.session_factory.kw["bind"],
            "before_cursor_execute",
            lambda *_args, **_kwargs: statements.__setitem__(0, statements[0] + 1),
        )
        spent = {"turns": 0.0, "answers": 0.0}

        def answer(step: int, scripts: list[list[dict]]) -> None:
            for start in range(0, len(scripts), GROUP):
                residents = [
                    [(script[step]["webhookEventId"], script[step])] for script in scripts[start : start + GROUP]
                ]
                began = time.thread_time()
                deliveries = line_bot.decide(residents)
                decided = time.thread_time()
                for deliver in deliveries:
                    deliver(lambda _event_id: None)
                spent["turns"] += decided - began
                spent["answers"] += time.thread_time() - decided

        warm_up = with_tokens(port, [resident_events("U" + uuid.uuid4().hex, i) for i in range(2 * GROUP)])
        for step in range(len(KINDS)):
            answer(step, warm_up)
        scripts = with_tokens(port, [resident_events("U" + uuid.uuid4().hex, i) for i in range(args.residents)])
        kinds = {}
        for step, kind in enumerate(KINDS):
            statements[0], spent["turns"], spent["answers"] = 0, 0.0, 0.0
            answer(step, scripts)
            count = len(scripts)
            kinds[kind] = {
                "cpu_us_per_event": round((spent["turns"] + spent["answers"]) / count * 1e6),
                "turn_us": round(spent["turns"] / count * 1e6),
                "answer_us": round(spent["answers"] / count * 1e6),
                "statements_per_event": round(statements[0] / count, 2),
            }
        services.session_factory.kw["bind"].dispose()
    finally:
        sandbox.terminate()
        executor.shutdown()
        if schema:
            drop_schema(database_url, schema)
    mean = sum(kind["cpu_us_per_event"] for kind in kinds.values()) / len(kinds)
    print(
        json.dumps(
            {
                "benchmark": "webhook_turns",
                "database": "postgresql" if schema else "sqlite",
                "residents_per_kind": args.residents,
                "group": GROUP,
                "mean_cpu_us_per_event": round(mean),
                "kinds": kinds,
                "machine": f"{platform.machine()}, CPython {platform.python_version()}",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
