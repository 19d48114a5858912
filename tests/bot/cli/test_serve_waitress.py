"""`civicast serve` under waitress (``web.server: waitress``, what ``auto`` picks where gunicorn cannot run): one
process that serves, runs the embedded parts, and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.settings import load_settings
from bot.web_server import ThreadedServer, server_for
from tests.support.sandbox import free_port

CIVICAST = str(Path(sys.executable).with_name("civicast"))


def test_waitress_is_chosen_by_the_setting(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "database:\n  url: sqlite:///civicast.db\nweb:\n  server: waitress\n  threads: 4\n", encoding="utf-8"
    )
    server = server_for(load_settings(path, environ={}), dev=False, port=8124)
    assert isinstance(server, ThreadedServer) and (server.host, server.port) == ("127.0.0.1", 8124)


def test_serve_under_waitress_answers_and_stops_on_sigterm(tmp_path):
    port, sandbox_port = free_port(), free_port()
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'civicast.db'}\ntranslation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {sandbox_port}\nweb:\n  server: waitress\n  threads: 4\n",
        encoding="utf-8",
    )
    assert subprocess.run([CIVICAST, "--config", str(path), "db", "upgrade"], capture_output=True).returncode == 0
    process = subprocess.Popen(
        [CIVICAST, "--config", str(path), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, (
                process.stdout.read() if process.stdout else ""
            )
            time.sleep(0.2)
        assert requests.get(f"http://127.0.0.1:{port}/notices", timeout=5).status_code == 200
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "under waitress" in output and "stopped" in output and "Traceback" not in output
