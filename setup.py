"""Build step of the wheel: the catalogs, the migrations and the default configuration go inside the packages.

In a checkout they stay at its top (``locales/``, ``migrations/``, ``config.yaml``), where translators and
migration authors work. A wheel carries them where the code that reads them looks first: ``messages/locales``
(each ``.po`` compiled to a ``.mo`` beside it), ``bot/migrations`` and ``bot/data/config.yaml``. An editable
install reads the checkout itself, so nothing is copied then. Everything else is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from messages.compiled_catalogs import compile_catalogs  # noqa: E402  (needs Babel alone, a build requirement)

# Checkout path → path inside the built packages.
SHIPPED = {"locales": "messages/locales", "migrations": "bot/migrations", "config.yaml": "bot/data/config.yaml"}
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        build_lib = Path(self.build_lib)
        for source, target in SHIPPED.items():
            origin, destination = ROOT / source, build_lib / target
            if destination.is_dir():
                shutil.rmtree(destination)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, destination, ignore=SKIPPED)
            else:
                shutil.copy2(origin, destination)
        compile_catalogs(build_lib / SHIPPED["locales"])


setup(cmdclass={"build_py": BuildPy})
