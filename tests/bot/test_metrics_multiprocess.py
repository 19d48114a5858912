"""gunicorn's workers each count in files under PROMETHEUS_MULTIPROC_DIR; /metrics adds them up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import MULTIPROCESS_ENV, exposition, prepare_multiprocess_dir, worker_exited

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
    pids = [int(subprocess.run([sys.executable, "-c", COUNT], env=child_env, check=True, capture_output=True,
                               text=True).stdout) for _ in range(2)]
    assert len(list(directory.glob("*.db"))) == 2  # one file per process

    body = exposition(None, environ).decode()
    sent = [sample.value for family in text_string_to_metric_families(body) for sample in family.samples
            if sample.name == "civicast_delivery_recipients_total" and sample.labels.get("language") == "en"]
    assert sent == [1000.0]

    for pid in pids:
        worker_exited(pid, environ)  # what gunicorn's child_exit hook calls: counters are kept
    assert "civicast_delivery_recipients_total" in exposition(None, environ).decode()
    prepare_multiprocess_dir(environ)  # the next start of the server
    assert not list(directory.glob("*.db"))
    assert prepare_multiprocess_dir({}) is None and worker_exited(pids[0], {}) is None
