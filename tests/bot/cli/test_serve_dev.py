"""`civicast serve --dev`: Werkzeug's reloader restarts the serving process when code changes; the sandbox lives in
the watching process, so a reload keeps what it holds (rich menus, inboxes) instead of starting an empty one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.sandbox import free_port

CIVICAST = str(Path(sys.executable).with_name("civicast"))
SANDBOX_TOKEN = {"Authorization": "Bearer sandbox-line-channel-access-token"}


def _wait_for(url: str, process: subprocess.Popen[str], *, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or the serving process not accepting yet
        assert time.monotonic() < deadline and process.poll() is None, f"{url} never answered 200"
        time.sleep(0.2)


def _menu_ids(sandbox: str) -> list[str]:
    answer = requests.get(f"{sandbox}/v2/bot/richmenu/list", headers=SANDBOX_TOKEN, timeout=5)
    assert answer.status_code == 200, answer.text
    return sorted(menu["richMenuId"] for menu in answer.json()["richmenus"])


def test_a_reload_keeps_the_sandbox_and_its_rich_menus(tmp_path):
    port, sandbox_port = free_port(), free_port()
    watched = tmp_path / "watched"
    watched.mkdir()
    # Imported at start-up, so the reloader watches it: touching it is a code change.
    (watched / "sitecustomize.py").write_text("", encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'civicast.db'}\ntranslation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {sandbox_port}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [CIVICAST, "--config", str(path), "serve", "--dev", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(watched), os.environ.get("PYTHONPATH")]))},
        start_new_session=True,
    )
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process)
        before = _menu_ids(sandbox)
        assert before, "the first serving process gave the sandbox its rich menus"
        later = time.time() + 5
        os.utime(watched / "sitecustomize.py", (later, later))
        # The restarted child answers again only once it has prepared itself (schema, FAQ, menus).
        deadline = time.monotonic() + 30
        while requests.get(f"{sandbox}/sandbox", timeout=2).status_code == 200:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except (requests.ConnectionError, requests.Timeout):
                break  # the old serving process has stopped
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        _wait_for(f"http://127.0.0.1:{port}/healthz", process)
        time.sleep(1)
        after = _menu_ids(sandbox)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    assert output.count("Restarting with") >= 2, output
    assert after == before, output
    assert "using the sandbox already running" in output and "Traceback" not in output, output
