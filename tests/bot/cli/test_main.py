"""The civicast command: kinds, compose in every format, db upgrade, errors as one line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot import richmenu  # noqa: F401  (every module with tables, as migrations/env.py imports them)
from bot.cli.main import main
from bot.conversation import models as conversation_models  # noqa: F401
from bot.office import models as office_models  # noqa: F401
from bot.shelters import models as shelter_models  # noqa: F401
from messages import models as notice_models  # noqa: F401
from messages.cap import validate_cap
from messages.db import Base, make_engine
from scheduler import audience, menus, outbox, usage  # noqa: F401
from tests.messages.test_kinds import REQUIRED_KINDS

HAN = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def sqlite_config(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite:///civicast.db\ntranslation:\n  engine: none\n", encoding="utf-8")
    monkeypatch.setenv("CIVICAST_CONFIG", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_kinds_json_lists_every_kind_across_three_topics(capsys):
    code, out, _ = run(capsys, "kinds", "--json")
    kinds = json.loads(out)
    assert code == 0
    assert REQUIRED_KINDS <= {k["id"] for k in kinds}
    assert {k["topic"] for k in kinds} == {"disaster", "health", "transport"}
    quake = next(k for k in kinds if k["id"] == "earthquake_report")
    assert {p["name"] for p in quake["params"]} >= {"magnitude", "epicentre", "depth_km", "intensity"}


def test_compose_json_in_all_languages(capsys, sqlite_config):
    code, out, _ = run(capsys, "compose", "typhoon_land_warning", "--example", "--lang", "all", "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["kind"] == "typhoon_land_warning"
    assert set(document["languages"]) == {
        "zh-Hant",
        "zh-Hans",
        "en",
        "ja",
        "ko",
        "vi",
        "id",
        "th",
        "fil",
        "ms",
        "km",
        "my",
    }
    for code_, entry in document["languages"].items():
        assert entry["headline"] and entry["body"] and entry["instruction"]
        assert entry["machine_translated"] is False
        if code_ in ("en", "vi", "id", "th", "fil", "ms", "km", "my"):
            assert not HAN.search(entry["headline"] + entry["body"] + entry["instruction"]), code_


def test_compose_cap_validates_with_twelve_infos(capsys, sqlite_config):
    code, out, _ = run(capsys, "compose", "earthquake_report", "--example", "--format", "cap")
    assert code == 0
    assert validate_cap(out.encode()) == []
    assert out.count("<info>") == 12


def test_compose_text_with_parameters(capsys, sqlite_config):
    code, out, _ = run(
        capsys,
        "compose",
        "heavy_rain",
        "-p",
        "level=torrential_rain",
        "-p",
        "districts=三民區,Lingya",
        "--lang",
        "vi,en",
    )
    assert code == 0
    assert "=== vi" in out and "=== en" in out and "Sanmin District" in out


def test_training_compose_is_marked(capsys, sqlite_config):
    code, out, _ = run(capsys, "compose", "heavy_rain", "--example", "--training", "--format", "cap", "--lang", "en")
    assert code == 0 and "<status>Test</status>" in out and "[TEST]" in out


def test_bad_parameters_exit_2_with_one_line_naming_them(capsys, sqlite_config):
    code, out, err = run(capsys, "compose", "earthquake_report", "-p", "magnitude=big", "-p", "intensity=9")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("civicast: error:")
    for name in ("magnitude", "intensity", "time", "depth_km"):
        assert name in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["compose", "volcano", "--example"], "unknown notice kind 'volcano'"),
        (["compose", "heavy_rain", "--example", "--lang", "xx"], "unknown language 'xx'"),
        (["compose", "heavy_rain", "-p", "level"], "NAME=VALUE"),
        (["compose", "heavy_rain"], "-p NAME=VALUE, or use --example"),
    ],
)
def test_usage_errors(capsys, sqlite_config, args, says):
    code, _, err = run(capsys, *args)
    assert code == 2 and says in err and err.count("\n") == 1


def test_bad_config_is_one_line_exit_1(capsys, tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text("translation:\n  timeout_s: soon\n", encoding="utf-8")
    monkeypatch.setenv("CIVICAST_CONFIG", str(path))
    code, _, err = run(capsys, "compose", "heavy_rain", "--example")
    assert code == 1 and "translation.timeout_s" in err and err.count("\n") == 1


def test_db_upgrade_creates_the_schema(capsys, config, database_url):
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and "head" in out
    engine = make_engine(database_url)
    try:
        assert {"notices", "notice_translations", "translation_memory"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert run(capsys, "db", "upgrade")[0] == 0  # a second run is harmless


def test_the_migrations_build_exactly_the_tables_the_models_describe(capsys, config, database_url):
    assert run(capsys, "db", "upgrade")[0] == 0
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_free_text_falls_back_to_original_when_translation_is_off(capsys, config):
    assert run(capsys, "db", "upgrade")[0] == 0
    code, out, _ = run(
        capsys,
        "compose",
        "heavy_rain",
        "--example",
        "--free-text",
        "旗山區已開設收容所。",
        "--lang",
        "zh-Hant,vi",
        "--format",
        "json",
    )
    document = json.loads(out)
    assert code == 0
    assert document["languages"]["zh-Hant"]["body"].endswith("旗山區已開設收容所。")
    assert "旗山區已開設收容所。" in document["languages"]["vi"]["body"]


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "civicast"
    result = subprocess.run([str(script), "kinds"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "typhoon_land_warning" in result.stdout


@pytest.mark.parametrize(
    "module", ["bot.cli.notices", "bot.cli.send", "bot.cli.office", "bot.cli.resident", "bot.cli.shelters"]
)
def test_any_command_module_can_be_imported_first(module):
    """Subcommand modules import bot.cli.base, not bot.cli.main, so no import order is a cycle."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}; import bot.cli.main"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
