"""The wheel: built from the source distribution, it carries everything civicast reads at run time, and a fresh
virtual environment outside the checkout runs civicast from it alone.

About half a minute (uv makes the build environments and the fresh one, from its cache after the first time), so it
runs with the serial tests of `make test`; `make wheel-check` runs it by itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "channels", "ingest", "messages", "scheduler")
# Checkout path → where the wheel carries it (setup.py).
SHIPPED = {"locales": "messages/locales", "migrations": "bot/migrations", "config.yaml": "bot/data/config.yaml"}
# What the installed commands must not see of the developer's environment.
ENVIRONMENT_LEFT_OUT = ("PYTHONPATH", "CIVICAST_CONFIG", "DATABASE_URL", "CIVICAST_TEST_DATABASE_URL", "VIRTUAL_ENV")

pytestmark = pytest.mark.serial


def run(command: list[str], *, cwd: Path, timeout: float = 240) -> str:
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT_LEFT_OUT}
    done = subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def tracked_files() -> list[str]:
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    return [line for line in listed.splitlines() if (ROOT / line).is_file()]


def expected_in_wheel(files: list[str]) -> set[str]:
    """Every module and data file of the packages, the catalogs with a .mo for each .po, the migrations."""
    expected: set[str] = set()
    for name in files:
        if "__pycache__" in name:
            continue
        top = name.split("/", 1)[0]
        if top in PACKAGES:
            expected.add(name)
        elif top in SHIPPED:
            inside = SHIPPED[top] + name[len(top) :]
            expected.add(inside)
            if inside.endswith(".po"):
                expected.add(inside[:-3] + ".mo")
    return expected


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`python -m build`: the source distribution, then the wheel built from it (so the sdist is complete too)."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--installer", "uv", "--outdir", str(out), str(ROOT)], cwd=ROOT, timeout=300)
    (built,) = out.glob("civicast-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment outside the checkout with the wheel and its locked dependencies; its bin/."""
    environment = tmp_path_factory.mktemp("venv")
    uv = [sys.executable, "-m", "uv", "--quiet"]
    run([*uv, "venv", "--python", sys.executable, str(environment)], cwd=environment)
    run(
        [
            *uv,
            "pip",
            "install",
            "--python",
            str(environment / "bin" / "python"),
            "-c",
            str(ROOT / "requirements.lock"),
            str(wheel),
        ],
        cwd=environment,
        timeout=600,
    )
    return environment / "bin"


def test_the_wheel_lists_the_catalogs_migrations_and_every_data_file(wheel):
    with zipfile.ZipFile(wheel) as archive:
        listed = set(archive.namelist())
    missing = expected_in_wheel(tracked_files()) - listed
    assert not missing, sorted(missing)[:30]
    assert "messages/locales/zh_Hant/LC_MESSAGES/bot.mo" in listed
    assert "bot/migrations/env.py" in listed and any(n.startswith("bot/migrations/versions/0001") for n in listed)
    assert not [name for name in listed if name.startswith(("locales/", "migrations/", "tests/"))]


def test_civicast_runs_from_the_installed_package_alone(installed, tmp_path):
    civicast = str(installed / "civicast")
    upgraded = run([civicast, "db", "upgrade"], cwd=tmp_path)
    # The packaged configuration keeps the SQLite file under the current directory.
    assert (tmp_path / "var" / "civicast.db").is_file(), upgraded
    composed = run([civicast, "compose", "typhoon_land_warning", "--example", "--lang", "all"], cwd=tmp_path)
    # The same texts as the checkout's, which reads the .po files: the compiled catalogs say the same.
    from_checkout = run(
        [sys.executable, "-m", "bot.cli.main", "compose", "typhoon_land_warning", "--example", "--lang", "all"],
        cwd=ROOT,
    )
    assert composed == from_checkout
    demo = run([civicast, "demo", "--subscribers", "1000"], cwd=tmp_path)
    assert " 0 failed, 0 dead" in demo, demo


def test_the_installed_package_reads_its_own_compiled_catalogs(installed, tmp_path):
    script = """
from babel.messages.pofile import read_po
from bot.database import MIGRATIONS_DIR
from messages.i18n import DEFAULT_LOCALES_DIR, DOMAINS, LANGUAGES, load_mo, load_po, po_path
print(DEFAULT_LOCALES_DIR)
print(MIGRATIONS_DIR)
for language in LANGUAGES.values():
    for domain in DOMAINS:
        po = po_path(DEFAULT_LOCALES_DIR, language, domain)
        compiled, source = load_mo(po.with_suffix(".mo"), language), load_po(po, language)
        assert len(compiled) == len(source) > 0 and compiled.plural_expr == source.plural_expr, (language, domain)
        with po.open("rb") as handle:
            for m in read_po(handle):
                if m.pluralizable:
                    assert compiled.get_plural(m.context, m.id[0]) == source.get_plural(m.context, m.id[0]), m.id
                elif m.id:
                    assert compiled.get(m.context, m.id) == source.get(m.context, m.id), m.id
"""
    locales, migrations = run([str(installed / "python"), "-c", script], cwd=tmp_path).splitlines()
    site_packages = str(installed.parent / "lib")
    assert locales.startswith(site_packages) and locales.endswith("messages/locales")
    assert migrations.startswith(site_packages) and migrations.endswith("bot/migrations")
