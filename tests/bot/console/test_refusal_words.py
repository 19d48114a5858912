"""Every refusal the office can raise has the console's words for it, in both console languages: the desk's rules
are asked about every notice state, world and kind with every kind of officer, and each code written in the office's
source has its ``refusal.<code>`` (or ``problem.<code>``) console string."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.console.ui import UI_LANGUAGES, load_strings
from bot.office.accounts import Actor, PermissionDenied
from bot.office.models import Role
from bot.office.notice_rules import Verb, check
from messages.models import MsgType, Notice, NoticeStatus
from scheduler.sending import NoticeActionError

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [*(ROOT / "bot" / "office").glob("*.py"), ROOT / "scheduler" / "sending.py", ROOT / "scheduler" / "fanout.py"]
SOURCES += [
    ROOT / "bot" / "conversation" / "petitions.py",
    ROOT / "messages" / "compose.py",
    ROOT / "messages" / "params.py",
]
SOURCES += [ROOT / "messages" / "text.py"]
REFUSAL_CODE = re.compile(r'\bcode="([a-z_.]+)"')
PROBLEM_CODE = re.compile(r'\bProblem\(\s*(?:f?"(?:[^"\\]|\\.)*"|str\(exc\)|[a-z_.]+),\s*"([a-z_.]+)"', re.S)
ACTORS = [
    Actor("ed-lin", Role.EDITOR),
    Actor("ap-chen", Role.APPROVER),
    Actor("ad-wu", Role.ADMIN),
    Actor("viewer", Role.VIEWER),
    Actor("ap-chen", Role.APPROVER, via="api", key_mode="test", key_id="k" * 12),
]


def _notices():
    for status in NoticeStatus:
        for training in (False, True):
            for msg_type in (MsgType.ALERT, MsgType.CANCEL):
                for author in ("ed-lin", "ap-chen"):
                    yield Notice(
                        id=7, status=status, training=training, sandboxed=False, msg_type=msg_type, author=author
                    )


def test_every_refusal_of_the_desk_rules_has_console_words():
    strings, seen = load_strings(), set()
    for notice in _notices():
        for actor in ACTORS:
            for verb in Verb:
                try:
                    check(actor, notice, verb)
                except (PermissionDenied, NoticeActionError) as exc:
                    assert exc.code is not None, str(exc)
                    seen.add(exc.code)
    missing = sorted(code for code in seen if f"refusal.{code}" not in strings)
    assert missing == []
    assert {"role", "test_key", "second_officer.approve", "second_officer.reject", "state.reject"} <= seen


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_every_code_in_the_office_sources_has_console_words(path):
    source = path.read_text(encoding="utf-8")
    strings = load_strings()
    missing = [f"refusal.{code}" for code in REFUSAL_CODE.findall(source) if f"refusal.{code}" not in strings]
    missing += [f"problem.{code}" for code in PROBLEM_CODE.findall(source) if f"problem.{code}" not in strings]
    assert missing == []
    for key in strings:
        if key.startswith(("refusal.", "problem.")):
            assert set(strings[key]) == set(UI_LANGUAGES), key


def test_the_source_scan_finds_codes():
    found = {path.name: REFUSAL_CODE.findall(path.read_text(encoding="utf-8")) for path in SOURCES}
    problems = PROBLEM_CODE.findall((ROOT / "messages" / "text.py").read_text(encoding="utf-8"))
    assert "reason_needed" in found["desk.py"] and "time_passed" in found["sending.py"]
    assert "text.control" in problems and "text.too_long" in problems
