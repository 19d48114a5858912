"""The public pages share their helpers through ``bot.public.page_kit``: no module of ``bot.public`` reaches for
another's private (underscore) names, and the notice and open-data pages answer in the same chrome."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.public

PUBLIC_PACKAGE = Path(bot.public.__file__).parent


def private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.name}: {node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.")
        for alias in node.names
        if alias.name.startswith("_")
    ]


def test_no_public_module_imports_another_modules_private_names():
    modules = sorted(PUBLIC_PACKAGE.glob("*.py"))
    assert {"pages.py", "opendata.py", "page_kit.py"} <= {path.name for path in modules}
    assert [name for path in modules for name in private_imports(path)] == []


def test_the_notice_and_open_data_pages_build_on_the_page_kit():
    for name in ("pages.py", "opendata.py"):
        tree = ast.parse((PUBLIC_PACKAGE / name).read_text(encoding="utf-8"))
        sources = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "bot.public.page_kit" in sources, name
        assert name == "pages.py" or "bot.public.pages" not in sources, "opendata.py must not import pages.py"
