"""Every code the office raises has its words in the console catalog: the office's sources are read as Python (every
``code="…"`` of a refusal and every ``Problem(text, "code", …)`` of a field), and each code must have its
``refusal.<code>`` or ``problem.<code>`` string in both console languages, with no placeholder its raise does not
give. And no refusal of the office is raised without a code, so none reaches a Chinese console in English."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.console.ui import UI_LANGUAGES, load_strings
from messages.kinds import PLACEHOLDER
from messages.refusal import Refusal

ROOT = Path(__file__).resolve().parents[3]
SOURCES = sorted(
    [
        *(ROOT / "bot" / "office").glob("*.py"),
        *(ROOT / "scheduler").glob("*.py"),
        *(ROOT / "messages" / name for name in ("compose.py", "params.py", "villages.py", "text.py")),
        ROOT / "bot" / "conversation" / "petitions.py",
    ]
)


@dataclass(frozen=True)
class Raised:
    """One code as the source raises it: the catalog key, the parameters given (None: given as ``**params``)."""

    key: str
    params: frozenset[str] | None
    where: str


def _constants(node: ast.expr) -> list[str]:
    """The code a call gives: a string, or each string of ``a if test else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def _params(call: ast.Call) -> frozenset[str] | None:
    names = [keyword.arg for keyword in call.keywords]
    return None if None in names else frozenset(name for name in names if name and name != "code")


def raised_codes(path: Path) -> list[Raised]:
    found = []
    for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(call, ast.Call):
            continue
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        for keyword in call.keywords:
            if keyword.arg == "code":
                found += [Raised(f"refusal.{code}", _params(call), where) for code in _constants(keyword.value)]
        if isinstance(call.func, ast.Name) and call.func.id == "Problem" and len(call.args) >= 2:
            found += [Raised(f"problem.{code}", _params(call), where) for code in _constants(call.args[1])]
    return found


def _texts(entry) -> list[str]:
    texts = []
    for text in entry.values():
        texts += list(text.values()) if isinstance(text, dict) else [text]
    return texts


ALL_RAISED = [raised for path in SOURCES for raised in raised_codes(path)]


@pytest.mark.parametrize("raised", ALL_RAISED, ids=lambda raised: f"{raised.key}@{raised.where}")
def test_each_code_raised_has_words_in_both_languages_with_its_parameters(raised):
    strings = load_strings()
    assert raised.key in strings, f"{raised.where}: {raised.key} is not in locales/console*.yaml"
    entry = strings[raised.key]
    assert set(entry) == set(UI_LANGUAGES), raised.key
    if raised.params is not None:
        for text in _texts(entry):
            assert set(PLACEHOLDER.findall(text)) <= raised.params, (raised.where, text)


def test_the_scan_finds_the_office_codes():
    keys = {raised.key for raised in ALL_RAISED}
    assert len(keys) > 100
    assert {
        "refusal.account.unknown_role",
        "refusal.account.password_short",
        "refusal.state.send",
        "refusal.no_fan_out",
        "refusal.not_scheduled",
        "problem.not_a_number",
        "problem.unknown_district",
        "problem.village.unknown",
        "problem.text.control",
    } <= keys


def _refusal_class(module, node: ast.expr):
    try:
        found = eval(compile(ast.Expression(node), "<raise>", "eval"), vars(module))  # a name or module.attribute
    except Exception:  # noqa: BLE001 (a call or anything else is not a class to check)
        return None
    return found if isinstance(found, type) and issubclass(found, Refusal) else None


def _sets_its_own_code(cls: type) -> bool:
    """A refusal whose own ``__init__`` passes a fixed code (``ConfirmationMissing(id)``) needs none at its raise."""
    if "__init__" not in cls.__dict__:
        return False
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.__dict__["__init__"])))
    return any(
        isinstance(node, ast.keyword) and node.arg == "code" and _constants(node.value) for node in ast.walk(tree)
    )


def test_no_refusal_of_the_office_is_raised_without_a_code():
    uncoded = []
    for path in SOURCES:
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            cls = _refusal_class(module, node.exc.func)
            if cls is None or _sets_its_own_code(cls):
                continue
            if not any(keyword.arg == "code" for keyword in node.exc.keywords):
                uncoded.append(f"{path.relative_to(ROOT)}:{node.lineno} {cls.__name__}")
    assert uncoded == []
