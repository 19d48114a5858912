"""No channel is named where channels are iterated: the preview grid, the audience counts, the delivery report, the
console and case notifications ask the channels they are given what they can do (``channels.base``). A new channel
then needs no change there. The few modules below are a channel's own features, named as such."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from channels.registry import default_registry

ROOT = Path(__file__).resolve().parent.parent
ITERATING = ("bot/office", "bot/console", "scheduler")
# Residents' conversations are on Messenger for the Facebook channel: that name counts as a channel's too.
CHANNEL_NAMES = {channel_type.name for channel_type in default_registry()} | {"messenger"}
ALLOWED = {
    # Builds the channels; keeps LINE and Facebook at hand for the bot's webhooks (replies, pushes, rich menus).
    "bot/office/services.py",
    # Polls are voted on, and check-ins answered, with LINE's quick replies: LINE's own features.
    "bot/office/polls.py",
    "bot/office/checkins.py",
    # LINE's rich menus (disaster mode).
    "scheduler/menus.py",
}
TEMPLATE_LITERAL = re.compile(r"""["'](%s)["']""")


def named_channels(path: Path) -> set[str]:
    """The channel names a module writes as string constants (a docstring or a comment naming one is prose)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CHANNEL_NAMES
    }


def test_code_that_iterates_over_channels_names_none():
    offending = {
        relative: sorted(names)
        for folder in ITERATING
        for path in (ROOT / folder).rglob("*.py")
        if (relative := str(path.relative_to(ROOT))) not in ALLOWED and (names := named_channels(path))
    }
    assert not offending


def test_the_console_templates_name_no_channel():
    literal = re.compile(TEMPLATE_LITERAL.pattern % "|".join(sorted(CHANNEL_NAMES)))
    offending = {
        str(path.relative_to(ROOT)): sorted(set(literal.findall(path.read_text(encoding="utf-8"))))
        for path in (ROOT / "bot/console/templates").rglob("*.html")
        if literal.search(path.read_text(encoding="utf-8"))
    }
    assert not offending


def test_the_rule_sees_a_named_channel(tmp_path):
    module = tmp_path / "module.py"
    module.write_text('"""About LINE."""\nif channel == "line":\n    pass\n', encoding="utf-8")
    assert named_channels(module) == {"line"}
