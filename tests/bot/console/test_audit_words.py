"""The audit log and a notice's history say what each row says in the officer's console language: the office's
rows carry a code and parameters, the console words them; what an officer typed stays as typed, marked content;
a row from before rows had codes shows its English, marked as English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.office.audit import AuditAction, record
from bot.office.models import AuditEntry
from tests.support.audit_site import REASON, TRANSFER_REASON, build_audit_site
from tests.support.console_pages import Officer, html
from tests.support.console_stack import ConsoleStack
from tests.support.language_site import HAN_RUN, chrome_text, english_runs

# Every action the office words in a summary, made by the site's flows (sign-in, a send's fan-out and quota, the
# scheduler's missed times and occurrences among them).
WORDED = {
    AuditAction.LOGIN,
    AuditAction.COMPOSE,
    AuditAction.EDIT,
    AuditAction.REJECT,
    AuditAction.APPROVE,
    AuditAction.SCHEDULE,
    AuditAction.SEND,
    AuditAction.CANCEL,
    AuditAction.UPDATE,
    AuditAction.MISSED,
    AuditAction.REVIEW_TRANSLATION,
    AuditAction.EDIT_FAQ,
    AuditAction.ASSIGN_AGENCY,
    AuditAction.TRANSFER_CASE,
    AuditAction.ASSIGN_CASE,
    AuditAction.CASE_STATUS,
    AuditAction.ADD_INGEST_RULE,
    AuditAction.EDIT_INGEST_RULE,
    AuditAction.MOVE_INGEST_RULE,
    AuditAction.DELETE_INGEST_RULE,
    AuditAction.IMPORT_SHELTERS,
    AuditAction.OPEN_SHELTER,
    AuditAction.CLOSE_SHELTER,
    AuditAction.ADD_AGENCY,
    AuditAction.EDIT_AGENCY,
    AuditAction.RESUME_CHANNEL,
    AuditAction.CREATE_API_KEY,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    stack = ConsoleStack(tmp_path_factory.mktemp("audit"), f"sqlite:///{tmp_path_factory.mktemp('db')}/c.db")
    try:
        yield stack, build_audit_site(stack)
    finally:
        stack.close()


def _rows(stack) -> list[AuditEntry]:
    with stack.services.session_factory() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _pages(stack, ids) -> list[str]:
    actions = sorted({row.action for row in _rows(stack)})
    notices = [ids[name] for name in ("sent", "scheduled", "rejected", "edited", "update", "cancellation")]
    return [f"/console/audit?action={action}" for action in actions] + [f"/console/notices/{n}" for n in notices]


def test_every_worded_row_carries_its_code(site):
    stack, _ids = site
    worded = {row.action for row in _rows(stack) if row.summary}
    assert worded >= {action.value for action in WORDED}, sorted({a.value for a in WORDED} - worded)
    uncoded = [(row.action, row.summary) for row in _rows(stack) if row.summary and "said" not in row.detail]
    assert uncoded == []


def test_the_chinese_console_words_every_row_without_english_sentences(site):
    stack, ids = site
    officer = Officer(stack.app, "ad-wu", "zh-Hant")
    found = []
    for path in _pages(stack, ids):
        shown = chrome_text(officer.get(path).get_data(as_text=True), "zh-Hant")
        found += [f"{path}: {run}" for run in english_runs(shown)]
    assert found == [], "\n".join(found)


def test_the_english_console_words_every_row_without_han_characters(site):
    stack, ids = site
    officer = Officer(stack.app, "ad-wu", "en")
    found = []
    for path in _pages(stack, ids):
        shown = chrome_text(officer.get(path).get_data(as_text=True), "en")
        found += [f"{path}: {run}" for run in HAN_RUN.findall(shown)]
    assert found == [], "\n".join(found)


def _summaries(officer, path) -> list[str]:
    return [" ".join(cell.text_content().split()) for cell in html(officer.get(path)).xpath("//table//tr/td[6]")]


def test_rows_read_in_the_officers_words_with_what_was_typed_as_typed(site):
    stack, ids = site
    zh, en = Officer(stack.app, "ad-wu", "zh-Hant"), Officer(stack.app, "ad-wu", "en")
    assert _summaries(zh, "/console/audit?action=reject") == [f"退回原因：{REASON}"]
    assert _summaries(en, "/console/audit?action=reject") == [f"Reason: {REASON}"]
    assert "已停止" in " ".join(_summaries(zh, "/console/audit?action=cancel"))
    assert any(
        TRANSFER_REASON in said and "水利局" in said for said in _summaries(zh, "/console/audit?action=transfer_case")
    )
    assert _summaries(zh, "/console/audit?action=move_ingest_rule") == [
        "規則「大雨草稿」上移：第 5 → 第 4 條（共 5 條）"
    ]
    scheduled = _summaries(en, "/console/audit?action=schedule")
    assert len(scheduled) == 1 and scheduled[0].startswith("at ") and scheduled[0].endswith("(Taipei)")
    typed = html(zh.get("/console/audit?action=reject")).xpath("//td[6]//span[@data-content]/text()")
    assert typed == [REASON]  # only what the officer typed is content
    history = " ".join(
        li.text_content() for li in html(zh.get(f"/console/notices/{ids['rejected']}")).xpath("//li[time]")
    )
    assert f"退回原因：{REASON}" in history


def test_a_row_from_before_codes_shows_its_english_marked_as_english(site):
    stack, _ids = site
    unlike = {"said": {"code": "reject", "params": {}, "kinds": {}}}  # a code whose parameters are not the catalog's
    with stack.services.session_factory.begin() as session:
        for name, detail in (("old-timer", None), ("odd-one", unlike), ("new-code", {"said": {"code": "no.such"}})):
            record(
                session,
                "ad-wu",
                AuditAction.CREATE_OFFICER,
                "officer",
                name,
                now=datetime.now(UTC),
                summary="editor",
                detail=detail,
            )
    officer = Officer(stack.app, "ad-wu", "zh-Hant")
    for name in ("old-timer", "odd-one", "new-code"):
        page = html(officer.get(f"/console/audit?subject_id={name}"))
        assert page.xpath("//td[6]/span[@lang='en']/text()") == ["editor"], name
