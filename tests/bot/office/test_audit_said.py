"""An audit row's summary keeps its English and, when the system words it, the code and parameters an interface
needs to say it in its own words; every code the office writes is in the console's catalog, in both languages,
with the parameters the office gives it."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console.audit_words import placeholders
from bot.console.ui import UI_LANGUAGES, load_strings
from bot.office.audit import AuditAction, record
from bot.office.models import AuditEntry
from messages.said import Codes, Districts, Languages, Said, Word, codes_in, count_of, joined

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("bot", "scheduler", "messages", "ingest")  # where audit rows are worded
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _written_codes() -> dict[str, set[str]]:
    """Each code written with ``Said(text, "code", name=…)`` or ``count_of("code", …)``, with its parameters' names,
    read from the source: a code spelt wrong there, or a parameter renamed, is a code the catalog does not say."""
    codes: dict[str, set[str]] = {"joined": {"first", "then"}, "listed": {"first", "then"}}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                    continue
                if node.func.id == "count_of":
                    codes.setdefault(_literal(node.args[0], path), set()).add("count")
                elif node.func.id == "Said" and not isinstance(node.args[1], ast.Name):  # joined() passes its own
                    assert all(keyword.arg for keyword in node.keywords), f"{path}: name each parameter"
                    code = node.args[1]
                    choices = [code.body, code.orelse] if isinstance(code, ast.IfExp) else [code]
                    for choice in choices:
                        codes.setdefault(_literal(choice, path), set()).update(k.arg or "" for k in node.keywords)
    return codes


def _literal(node: ast.expr, path: Path) -> str:
    assert isinstance(node, ast.Constant) and isinstance(node.value, str), f"{path}:{node.lineno}: a code is literal"
    return node.value


def test_every_code_the_office_writes_is_said_in_both_languages_with_its_parameters():
    strings, written = load_strings(), _written_codes()
    assert len(written) > 60  # the scan found the office's codes, not nothing
    problems = []
    for code, params in sorted(written.items()):
        texts = strings.get(f"audit_said.{code}")
        if texts is None:
            problems.append(f"audit_said.{code}: not in locales/console_audit.yaml")
            continue
        if set(texts) != set(UI_LANGUAGES):
            problems.append(f"audit_said.{code}: languages {sorted(texts)}")
        for language, text in texts.items():
            said = placeholders({language: text})
            if said != params:
                problems.append(
                    f"audit_said.{code} ({language}): says {sorted(said)}, the office gives {sorted(params)}"
                )
    unused = sorted(key for key in strings if key.startswith("audit_said.") and key[11:] not in written)
    assert problems == [] and unused == [], "\n".join(problems + [f"{key}: written by nothing" for key in unused])


def test_a_said_summary_is_its_english_with_its_code_and_parameters_kept_by_kind():
    fanout = count_of("n.deliveries", 1200, "delivery", "deliveries")
    said = Said(
        "everything",
        "example",
        reason="請補上地點",
        at=NOW,
        on=date(2026, 12, 8),
        late=timedelta(minutes=2),
        number=3,
        languages=Languages(("vi", "th")),
        districts=Districts(("lingya",)),
        fields=Codes(("params.level",)),
        status=Word("status.", "sent"),
        part=fanout,
    )
    assert said == "everything" and str(fanout) == "1,200 deliveries"
    assert said.stored() == {
        "code": "example",
        "params": {
            "reason": "請補上地點",
            "at": "2026-12-07T09:00:00+00:00",
            "on": "2026-12-08",
            "late": 120,
            "number": 3,
            "languages": ["vi", "th"],
            "districts": ["lingya"],
            "fields": ["params.level"],
            "status": "status.sent",
            "part": {"code": "n.deliveries", "params": {"count": 1200}, "kinds": {"count": "count"}},
        },
        "kinds": {
            "reason": "text",
            "at": "time",
            "on": "date",
            "late": "duration",
            "number": "number",
            "languages": "languages",
            "districts": "districts",
            "fields": "codes",
            "status": "word",
            "part": "said",
        },
    }
    with pytest.raises(TypeError):
        Said("yes", "flag", done=True).stored()


def test_parts_are_joined_as_english_joins_them_and_each_part_keeps_its_code():
    parts = [Said("a", "one"), Said("b", "two"), Said("c", "three")]
    said = joined(parts)
    assert said == "a; b; c" and joined(parts[:2], separator=", ") == "a, b"
    assert [code for code, _names in codes_in(said.stored())] == ["joined", "one", "joined", "two", "three"]
    assert joined(parts[:1]) is parts[0]


def test_the_row_keeps_the_english_summary_and_the_code_beside_the_detail_given(services):
    with services.session_factory.begin() as session:
        said = Said("stopped before sending", "cancel.stopped")
        record(session, "ad-wu", AuditAction.CANCEL, "notice", 1, now=NOW, summary=said, detail={"kept": 1})
        record(session, "ad-wu", AuditAction.REJECT, "notice", 2, now=NOW, summary="typed, from before codes")
    with services.session_factory() as session:
        coded, plain = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert type(coded.summary) is str and coded.summary == "stopped before sending"
    assert coded.detail == {"kept": 1, "said": {"code": "cancel.stopped", "params": {}, "kinds": {}}}
    assert plain.summary == "typed, from before codes" and plain.detail == {}
