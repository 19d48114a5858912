"""`civicast serve`'s choices: the server, gunicorn's options from the settings, the sandbox it finds, and the
configuration it refuses."""

from __future__ import annotations

import socket

import pytest

from bot.office.services import Services
from bot.settings import ConfigError, load_settings
from bot.web_server import DevelopmentServer, ProductionServer, is_civicast_sandbox, server_for
from tests.support.cli import run
from tests.support.sandbox import free_port


def write_config(tmp_path, text: str = ""):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite:///civicast.db\ntranslation:\n  engine: none\n" + text, encoding="utf-8")
    return path


def test_dev_selects_werkzeug_and_the_default_gunicorn(tmp_path):
    settings = load_settings(write_config(tmp_path), environ={})
    development = server_for(settings, dev=True, port=8123)
    assert isinstance(development, DevelopmentServer)
    assert (development.host, development.port) == ("127.0.0.1", 8123)
    production = server_for(settings, dev=False)
    assert isinstance(production, ProductionServer)
    # The embedded default: one web process, the scheduler and the workers in it.
    assert settings.embedded
    assert production.options["workers"] == 1 and production.options["bind"] == ["127.0.0.1:8000"]
    assert production.options["worker_class"] == "gthread" and production.options["threads"] == 8


def test_gunicorn_options_come_from_the_web_settings(tmp_path):
    path = write_config(
        tmp_path,
        "web:\n  embedded: false\n  host: 0.0.0.0\n  port: 8080\n  workers: 4\n"
        "  threads: 16\n  timeout_s: 45\n  graceful_timeout_s: 20.5\n",
    )
    settings = load_settings(path, environ={})
    assert not settings.embedded
    options = server_for(settings, dev=False, port=9000).options
    assert options["bind"] == ["0.0.0.0:9000"]
    assert (options["workers"], options["threads"], options["timeout"], options["graceful_timeout"]) == (4, 16, 45, 21)


def test_postgresql_is_not_embedded_unless_asked(tmp_path):
    path = write_config(tmp_path)
    url = "postgresql+psycopg://civicast@db.example/civicast"
    assert not load_settings(path, environ={"DATABASE_URL": url}).embedded
    path.write_text(path.read_text(encoding="utf-8") + "web:\n  embedded: true\n", encoding="utf-8")
    assert load_settings(path, environ={"DATABASE_URL": url}).web_workers == 1


def test_embedded_refuses_several_web_processes(tmp_path):
    with pytest.raises(ConfigError, match="web.workers: the embedded default runs one web process"):
        load_settings(write_config(tmp_path, "web:\n  workers: 3\n"), environ={})


@pytest.mark.parametrize("url", ["postgres//x", "postgres://civicast:secret@db/civicast", "not a url"])
def test_a_malformed_database_url_names_the_variable(capsys, tmp_path, monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    code, _, err = run(capsys, "--config", str(write_config(tmp_path)), "officer", "list")
    assert code == 1
    assert err.startswith("civicast: error: DATABASE_URL: not a database URL") and err.count("\n") == 1
    assert "Traceback" not in err and "secret" not in err


def test_a_malformed_database_url_in_the_file_names_the_key(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite//var/x.db\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"database.url: not a database URL"):
        load_settings(path, environ={})


def test_a_sandbox_port_taken_by_something_else_is_one_line(capsys, tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        path = write_config(tmp_path, f"channels:\n  sandbox:\n    port: {port}\n")
        assert not is_civicast_sandbox(f"http://127.0.0.1:{port}")
        code, _, err = run(capsys, "--config", str(path), "serve", "--port", str(free_port()))
    assert code == 1
    assert f"cannot start the sandbox on 127.0.0.1:{port} (channels.sandbox.port)" in err
    assert "not a civicast sandbox" in err and "Traceback" not in err


def test_a_running_civicast_sandbox_is_recognised(tmp_path):
    services = Services(load_settings(write_config(tmp_path), environ={}))
    sandbox = services.build_sandbox()
    try:
        assert is_civicast_sandbox(sandbox.serve_in_thread())
    finally:
        sandbox.stop()
    assert not is_civicast_sandbox(f"http://127.0.0.1:{free_port()}")  # nothing listens there
