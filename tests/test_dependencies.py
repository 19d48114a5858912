"""Every third-party package civicast imports is declared in pyproject.toml (the tests' and benchmarks' in the test
extra), with a range, and pinned in requirements.lock."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"bot", "channels", "ingest", "messages", "scheduler", "tests", "migrations"}
RUN_TIME = ("bot", "channels", "ingest", "messages", "scheduler", "migrations")
DEVELOPMENT = ("tests", "bench")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return normalised(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))


def declared(*groups: str) -> set[str]:
    requirements = list(PYPROJECT["project"]["dependencies"])
    for group in groups:
        requirements += PYPROJECT["project"]["optional-dependencies"][group]
    return {requirement_name(requirement) for requirement in requirements}


def imported_top_names(folder: Path) -> dict[str, str]:
    """Top-level names imported anywhere in the folder's modules (functions' imports too) → a file importing it."""
    found: dict[str, str] = {}
    siblings = {path.stem for path in folder.glob("*.py")}  # a script's own modules beside it (bench/)
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in FIRST_PARTY and top not in siblings:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def undeclared(folders: tuple[str, ...], allowed: set[str]) -> dict[str, str]:
    distributions = packages_distributions()
    missing = {}
    for folder in folders:
        for name, where in imported_top_names(ROOT / folder).items():
            owners = {normalised(owner) for owner in distributions.get(name, [name])}
            if not owners & allowed:
                missing[name] = where
    return missing


def test_every_package_imported_at_run_time_is_a_dependency():
    assert not undeclared(RUN_TIME, declared())


def test_every_package_the_tests_and_benchmarks_import_is_declared():
    assert not undeclared(DEVELOPMENT, declared("test"))


def test_every_declared_package_has_a_range_and_a_locked_version():
    requirements = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]
    unbounded = [requirement for requirement in requirements if "<" not in requirement or ">=" not in requirement]
    assert not unbounded, "pyproject.toml keeps ranges (>=, <); requirements.lock pins them"
    locked = {
        requirement_name(line)
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith((" ", "#"))
    }
    assert declared("test") - locked == set(), "run `make lock`"
