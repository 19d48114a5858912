"""Metrics of several processes: gunicorn's workers count in files under PROMETHEUS_MULTIPROC_DIR and /metrics
adds them up; `civicast worker` and the other background commands serve their own with --metrics-port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import MULTIPROCESS_ENV, exposition, prepare_multiprocess_dir, worker_exited
from tests.bot.cli.test_processes import CIVICAST, wait_for
from tests.support.sandbox import free_port

ROOT = Path(__file__).resolve().parents[2]
COUNT = """
import os
from messages.metrics import DELIVERY_RECIPIENTS
DELIVERY_RECIPIENTS.labels("line", "en", "sent").inc(500)
print(os.getpid())
"""


def test_the_workers_counts_add_up_and_a_new_start_clears_them(tmp_path):
    directory = tmp_path / "prometheus"
    environ = {MULTIPROCESS_ENV: str(directory)}
    assert prepare_multiprocess_dir(environ) == directory
    child_env = {**os.environ, **environ, "PYTHONPATH": str(ROOT)}
    pids = [
        int(
            subprocess.run(
                [sys.executable, "-c", COUNT], env=child_env, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(2)
    ]
    assert len(list(directory.glob("*.db"))) == 2  # one file per process

    body = exposition(None, environ).decode()
    sent = [
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "civicast_delivery_recipients_total" and sample.labels.get("language") == "en"
    ]
    assert sent == [1000.0]

    for pid in pids:
        worker_exited(pid, environ)  # what gunicorn's child_exit hook calls: counters are kept
    assert "civicast_delivery_recipients_total" in exposition(None, environ).decode()
    prepare_multiprocess_dir(environ)  # the next start of the server
    assert not list(directory.glob("*.db"))
    assert prepare_multiprocess_dir({}) is None and worker_exited(pids[0], {}) is None


def test_a_worker_serves_its_own_metrics(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        "database:\n  url: sqlite:///civicast.db\ntranslation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {free_port()}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(MULTIPROCESS_ENV, None)
    subprocess.run([CIVICAST, "--config", str(config), "db", "upgrade"], check=True, env=env, capture_output=True)
    port = free_port()
    worker = subprocess.Popen(
        [CIVICAST, "--config", str(config), "worker", "--metrics-port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = wait_for(f"http://127.0.0.1:{port}/metrics").text
    finally:
        worker.terminate()
        _, stderr = worker.communicate(timeout=30)
    families = {family.name for family in text_string_to_metric_families(body)}
    assert {"civicast_deliveries", "civicast_platform_requests", "civicast_worker_claim_lag_seconds"} <= families
    assert f"metrics on http://127.0.0.1:{port}/metrics" in stderr
