"""Imports point one way: bot → scheduler → channels → messages, bot → ingest → messages; only bot/ reads the
environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "messages": {"channels", "scheduler", "bot"},
    "channels": {"scheduler", "bot"},
    "scheduler": {"bot", "flask"},
    "ingest": {"bot", "scheduler", "channels", "flask"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if imported_modules(path) & FORBIDDEN[package]
    }
    assert not offending


@pytest.mark.parametrize("package", ["messages", "channels", "scheduler", "ingest"])
def test_only_bot_reads_the_environment(package):
    readers = [
        str(path.relative_to(ROOT))
        for path in (ROOT / package).rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8") or "getenv" in path.read_text(encoding="utf-8")
    ]
    assert not readers


# What changes a notice's state: only the office's desk calls it, so every door (console, API, command line,
# demo, ingest) goes through the same rules and audit log.
WORKFLOW_ONLY = {
    "scheduler.sending": {"send_now", "schedule", "resume_stalled_fan_outs"},
    "scheduler.fanout": {"fan_out_notice", "begin_fan_out", "resume_fan_out"},
}
WORKFLOW_LAYER = {"bot/office/desk.py"}


def imported_names(path: Path) -> set[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in WORKFLOW_ONLY:
            found.update((node.module, alias.name) for alias in node.names if alias.name in WORKFLOW_ONLY[node.module])
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "sending"
            and node.attr in WORKFLOW_ONLY["scheduler.sending"]
        ):
            found.add(("scheduler.sending", node.attr))
    return found


def test_only_the_desk_sends_or_schedules_a_notice_from_bot():
    callers = {
        str(path.relative_to(ROOT)): sorted(imported_names(path))
        for path in (ROOT / "bot").rglob("*.py")
        if imported_names(path) and str(path.relative_to(ROOT)) not in WORKFLOW_LAYER
    }
    assert not callers


# The rooms of bot/ (docs/DESIGN.md, "Rooms in bot/"): what each may not import.
ROOMS = (
    "cli",
    "webhooks",
    "ingest",
    "conversation",
    "office",
    "console",
    "api",
    "public",
    "opendata",
    "reports",
    "shelters",
)
DOORS = {"webhooks", "cli", "console", "api", "public"}
ROOM_MAY_NOT = {
    "conversation": set(ROOMS) - {"conversation", "shelters"},
    "shelters": set(ROOMS) - {"shelters"},
    "office": DOORS | {"opendata", "reports"},
    "ingest": DOORS,
    "console": DOORS - {"console"},
    "api": DOORS - {"api"},
    "public": DOORS - {"public"},
    "opendata": DOORS | {"reports"},
    "reports": DOORS,
    "webhooks": DOORS - {"webhooks"},
}
# Only these import the webhook room: the app factory mounts it, the CLI starts its worker.
WEBHOOK_IMPORTERS = ("bot/app.py", "bot/cli/", "bot/webhooks/")


def imported_rooms(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rooms: set[str] = set()
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module] + (
                [f"{node.module}.{alias.name}" for alias in node.names] if node.module == "bot" else []
            )
        for module in modules:
            parts = module.split(".")
            if parts[0] == "bot" and len(parts) > 1 and parts[1] in ROOMS:
                rooms.add(parts[1])
    return rooms


def test_every_room_is_a_package_and_every_rule_names_rooms():
    assert all((ROOT / "bot" / room / "__init__.py").is_file() for room in ROOMS)
    assert set(ROOM_MAY_NOT) <= set(ROOMS)


@pytest.mark.parametrize("room", sorted(ROOM_MAY_NOT))
def test_each_room_imports_only_what_the_design_allows(room):
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_rooms(path) & ROOM_MAY_NOT[room])
        for path in (ROOT / "bot" / room).rglob("*.py")
        if imported_rooms(path) & ROOM_MAY_NOT[room]
    }
    assert not offending


def test_only_the_app_factory_the_cli_and_the_worker_import_the_webhooks():
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if "webhooks" in imported_rooms(path) and not str(path.relative_to(ROOT)).startswith(WEBHOOK_IMPORTERS)
    )
    assert not importers


def test_the_rules_see_a_forbidden_import(tmp_path):
    # The rules read imports the way a module writes them: each form names the room it reaches.
    for line in ("from bot.webhooks.line import LineBot", "import bot.webhooks.inbox", "from bot import webhooks"):
        module = tmp_path / "module.py"
        module.write_text(line + "\n", encoding="utf-8")
        assert imported_rooms(module) == {"webhooks"}
