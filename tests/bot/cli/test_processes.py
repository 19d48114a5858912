"""The long-running commands start, answer and stop: civicast sandbox and civicast serve."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.office.services import Services
from bot.settings import load_settings
from channels.simulated import SimulatedChannel
from tests.support.sandbox import free_port

CIVICAST = str(Path(sys.executable).parent / "civicast")


def wait_for(url: str, timeout_s: float = 60.0) -> requests.Response:
    # Generous: serve draws the rich menus' images before it listens, slow on a 2-core machine running tests.
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return requests.get(url, timeout=2)
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def config(tmp_path):
    sandbox_port = free_port()
    path = tmp_path / "config.yaml"
    path.write_text(
        "database:\n  url: sqlite:///civicast.db\n"
        "translation:\n  engine: none\n"
        f"channels:\n  sandbox:\n    port: {sandbox_port}\n    line:\n      error_rate: 1.0\n",
        encoding="utf-8",
    )
    return path, sandbox_port


def run(args, config_path):
    # In the configuration's directory, where its relative database (and var/) belong: never the checkout. Its
    # output goes to a file there: a pipe nobody reads would stop a talkative process once its buffer is full.
    with (config_path.parent / f"{args[0]}.log").open("a", encoding="utf-8") as log:
        return subprocess.Popen(
            [CIVICAST, "--config", str(config_path), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=config_path.parent,
        )


def test_sandbox_command_serves_line_and_graph_paths(config):
    path, _ = config
    port = free_port()
    process = run(["sandbox", "--port", str(port)], path)
    try:
        index = wait_for(f"http://127.0.0.1:{port}/sandbox")
        assert index.status_code == 200 and "inbox" in index.text
        refused = requests.post(f"http://127.0.0.1:{port}/v2/bot/message/multicast", json={}, timeout=5)
        assert refused.status_code == 401
        # the faults in the configuration apply from the start
        faults = requests.get(f"http://127.0.0.1:{port}/sandbox/line/faults", timeout=5).json()
        assert faults["error_rate"] == 1.0
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_runs_the_web_app_with_the_sandbox_beside_it(config):
    path, sandbox_port = config
    port = free_port()
    process = run(["serve", "--port", str(port)], path)
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz")
        assert health.json() == {"status": "ok", "channels_mode": "sandbox"}
        assert requests.get(f"http://127.0.0.1:{port}/feeds/cable/en.json", timeout=5).json()["items"] == []
        assert wait_for(f"http://127.0.0.1:{sandbox_port}/sandbox/facebook/posts").json() == {"data": []}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_taken_port_is_one_line_not_a_traceback(config):
    path, _ = config
    port = free_port()
    first = run(["sandbox", "--port", str(port)], path)
    try:
        wait_for(f"http://127.0.0.1:{port}/sandbox")
        second = subprocess.run(
            [CIVICAST, "--config", str(path), "sandbox", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 1 and "cannot listen" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=10)


def test_live_mode_refuses_sandbox_placeholders(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("channels:\n  mode: live\n", encoding="utf-8")
    from bot.settings import ConfigError

    with pytest.raises(ConfigError, match="live mode needs a real line.channel_access_token"):
        load_settings(path, environ={})
    channels = (
        "channels:\n  mode: live\n  line:\n    channel_access_token: real\n    channel_secret: real\n"
        "  facebook:\n    page_access_token: real\n    app_secret: real\n"
    )
    path.write_text(channels, encoding="utf-8")
    with pytest.raises(ConfigError, match="live mode needs console.secret_key"):
        load_settings(path, environ={})
    path.write_text(channels + f"console:\n  secret_key: {'k' * 40}\n", encoding="utf-8")
    settings = load_settings(path, environ={})
    services = Services(settings)
    assert settings.channels.line_api_base_url == "https://api.line.me"
    assert services.line is not None and set(services.channels) == {"line", "facebook"}
    # A test API key's notices never reach the real channels: the live worker has simulated stand-ins for them.
    stand_ins = services.sandboxed_channels
    assert set(stand_ins) == {"line", "facebook"}
    assert all(isinstance(c, SimulatedChannel) and c.real is services.channels[n] for n, c in stand_ins.items())
