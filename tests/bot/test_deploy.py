"""deploy/ names what exists: the systemd units run civicast commands and options that exist, gunicorn.conf.py
loads and gives gunicorn valid settings, and the example configuration and nginx snippet agree with each other."""

from __future__ import annotations

import re
import runpy
import shlex
from pathlib import Path

import pytest
from gunicorn.config import Config

from bot.cli.main import cli
from bot.settings import PROJECT_ROOT, load_settings

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))


def environment() -> dict[str, str]:
    """The example civicast.env, as systemd's EnvironmentFile= reads it."""
    pairs = {}
    for line in (DEPLOY / "civicast.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = value
    return pairs


def directives(unit: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_four_units_are_there():
    assert [unit.name for unit in UNITS] == [
        "civicast-scheduler@.service",
        "civicast-web.service",
        "civicast-webhook-worker.service",
        "civicast-worker@.service",
    ]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_unit_runs_a_civicast_command_that_exists(unit):
    found = directives(unit)
    argv = shlex.split(found["ExecStart"][0])
    assert argv[0] == "/opt/civicast/.venv/bin/civicast"
    command = cli.commands.get(argv[1])
    assert command is not None, f"{unit.name}: civicast has no command {argv[1]!r}"
    options = {opt for param in command.params for opt in param.opts}
    assert {arg for arg in argv[2:] if arg.startswith("--")} <= options
    assert found["Environment"] == ["CIVICAST_CONFIG=/etc/civicast/config.yaml"]
    assert found["EnvironmentFile"] == ["/etc/civicast/civicast.env"]
    assert found["User"] == ["civicast"] and found["KillSignal"] == ["SIGTERM"]
    # systemd waits longer than the web processes' graceful timeout and the workers' own stop.
    assert int(found["TimeoutStopSec"][0]) > 30


def test_the_example_configuration_is_valid_and_scaled_out():
    settings = load_settings(DEPLOY / "config.yaml", environ=environment())
    assert settings.channels.mode == "live" and settings.database.url.startswith("postgresql+psycopg://")
    assert not settings.embedded and settings.web_workers == 4
    assert not settings.webhooks.handle_in_web  # civicast-webhook-worker answers
    assert settings.workers.rate_share == 0.5  # shared by two civicast-worker instances


def test_gunicorn_conf_gives_gunicorn_the_settings(monkeypatch):
    monkeypatch.setenv("CIVICAST_CONFIG", str(DEPLOY / "config.yaml"))
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config = Config()
    for name in config.settings:  # as gunicorn reads a configuration file: each known name, validated
        if name in namespace:
            config.set(name, namespace[name])
    assert config.workers == 4 and config.threads == 8 and config.worker_class_str == "gthread"
    assert config.address == [("127.0.0.1", 8000)]
    assert config.graceful_timeout == 30 and config.timeout == 60
    assert callable(config.post_worker_init) and callable(config.worker_exit)
    module, _, call = namespace["wsgi_app"].partition(":")
    assert call == "create()" and callable(runpy.run_module(module)["create"])


def test_nginx_forwards_what_the_app_trusts():
    settings = load_settings(DEPLOY / "config.yaml", environ=environment())
    snippet = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    # One proxy appending the peer's address: web.trusted_proxy_hops is 1.
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in snippet
    assert settings.web.trusted_proxy_hops == 1
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in snippet
    assert re.search(rf"server {re.escape(settings.web.host)}:{settings.web.port};", snippet)
