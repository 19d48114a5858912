"""Property: random Unicode, every control character among it, sent into every text field of the API and of the
console's forms and filters, never gives a server error, and a refused request stores nothing.

Hypothesis draws the text (NUL, C0 and C1 controls, lone surrogates where JSON can carry them, bidirectional
overrides, non-characters, and ordinary text of every script) and the field; the app runs on SQLite, and on
PostgreSQL too when it is configured (where a NUL would even break the query).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.conversation.models import Case, CaseEvent, FaqEntry
from bot.conversation.petitions import open_case
from bot.office import desk, drafts
from bot.office.models import ApiKey, Officer
from ingest.models import IngestRule
from ingest.rules import rule_rows
from messages.models import Notice, NoticeTranslation, TranslationOrigin
from tests.bot.office.conftest import APPROVER, EDITOR
from tests.support.console_pages import Officer as SignedIn
from tests.support.console_stack import PASSWORDS, ConsoleStack
from tests.support.officers import api_key

CONTROLS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))] + [
    "\u202e",
    "\u2066",
    "\u2028",
    "\ufffe",
    "\U0010ffff",
]
ANY_TEXT = st.lists(st.one_of(st.characters(), st.sampled_from("颱風 Bão ฝน 台風 ")), max_size=16).map("".join)
# Half the examples hold at least one refused character, somewhere in ordinary text.
TEXT = st.one_of(ANY_TEXT, st.tuples(ANY_TEXT, st.sampled_from(CONTROLS), ANY_TEXT).map("".join))
WITH_SURROGATES = st.one_of(TEXT, TEXT.map(lambda text: text + "\udcb0"))  # what JSON can carry, a form cannot
RAIN = {"level": "torrential_rain", "districts": ["lingya"]}
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def site(tmp_path, database_url, engine):
    stack = ConsoleStack(tmp_path, database_url)
    stack.add_residents({f"U{n:032x}": ["lingya"] for n in range(1, 4)})
    services = stack.services
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        made = [
            drafts.compose_notice(
                session,
                services.composer,
                EDITOR,
                drafts.NoticeInput("heavy_rain", RAIN, free_text="積水請改道。"),
                now=now,
            ).id
            for _ in range(2)
        ]
        desk.submit_notice(
            session, EDITOR, made[1], glossary=services.glossary, channels=services.channel_limits, now=now
        )
        case = open_case(
            session,
            channel="line",
            user_id="U" + "9" * 32,
            language="vi",
            category="roads",
            district="lingya",
            description="Ổ gà.",
            location=None,
            photo=None,
            now=now,
        ).number
        session.add(
            FaqEntry(
                key="city_hotline",
                category="city",
                language="en",
                questions=["What is 1999?"],
                answer="The city hotline.",
                updated_at=now,
            )
        )
        session.add(
            NoticeTranslation(
                notice_id=made[0],
                language="vi",
                text="Ngập nước.",
                origin=TranslationOrigin.MACHINE.value,
                engine="google",
            )
        )
    desk.approve_notice(services.dispatch, APPROVER, made[1], acknowledge_untranslated=True)
    services.seed_ingest_rules()
    with services.session_factory() as session:
        translation = session.scalar(select(NoticeTranslation.id).where(NoticeTranslation.language == "vi"))
        rule = rule_rows(session)[-1].id
    yield stack, {"draft": made[0], "approved": made[1], "case": case, "translation": translation, "rule": rule}
    stack.close()


def stored(stack) -> str:
    """A fingerprint of everything an officer or a key could change."""
    with stack.services.session_factory() as session:
        counts = [
            session.scalar(select(func.count()).select_from(model))
            for model in (Notice, CaseEvent, FaqEntry, Officer, ApiKey, NoticeTranslation, IngestRule)
        ]
        rows = session.execute(
            select(
                Notice.id,
                Notice.status,
                Notice.params,
                Notice.free_text,
                Notice.review_note,
                Notice.recurrence,
                Notice.send_at,
            ).order_by(Notice.id)
        ).all()
        rows += session.execute(select(Case.status, Case.assignee)).all()
        rows += session.execute(select(FaqEntry.questions, FaqEntry.answer)).all()
        rows += session.execute(select(NoticeTranslation.text, NoticeTranslation.origin)).all()
        rows += session.execute(
            select(IngestRule.name, IngestRule.kind, IngestRule.min_level, IngestRule.districts, IngestRule.position)
        ).all()
    return hashlib.sha256(repr((counts, rows)).encode("utf-8", "backslashreplace")).hexdigest()


def check(stack, send) -> None:
    before = stored(stack)
    response = send()
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        assert stored(stack) == before, f"refused with {response.status_code} but something was stored"


def fuzz(stack, request, text) -> None:
    """Hypothesis's examples of ``text`` through one field's request, each checked."""

    @SETTINGS
    @given(value=text)
    def send(value):
        check(stack, lambda: request(value))

    send()


def test_random_text_in_every_api_field(site):
    stack, ids = site
    client = stack.app.test_client()
    key = {"Authorization": api_key(stack.services.session_factory, "ap-chen", "approver")}
    draft, approved, case = ids["draft"], ids["approved"], ids["case"]

    def body(method, url, document):  # JSON escapes what UTF-8 cannot carry (a lone surrogate arrives as one)
        return client.open(url, method=method, headers=key, data=json.dumps(document), content_type="application/json")

    requests = {
        "kind": lambda x: body("POST", "/api/v1/notices", {"kind": x, "params": RAIN}),
        "params.level": lambda x: body(
            "POST", "/api/v1/notices", {"kind": "heavy_rain", "params": {**RAIN, "level": x}}
        ),
        "params.districts": lambda x: body(
            "POST", "/api/v1/notices", {"kind": "heavy_rain", "params": {**RAIN, "districts": [x]}}
        ),
        "params.<name>": lambda x: body("POST", "/api/v1/notices", {"kind": "heavy_rain", "params": {**RAIN, x: "1"}}),
        "free_text": lambda x: body("POST", "/api/v1/notices", {"kind": "heavy_rain", "params": RAIN, "free_text": x}),
        "free_text_lang": lambda x: body(
            "POST", "/api/v1/notices", {"kind": "heavy_rain", "params": RAIN, "free_text": "積水", "free_text_lang": x}
        ),
        "severity": lambda x: body("PATCH", f"/api/v1/notices/{draft}", {"severity": x}),
        "effective": lambda x: body("PATCH", f"/api/v1/notices/{draft}", {"effective": x}),
        "expires": lambda x: body("PATCH", f"/api/v1/notices/{draft}", {"expires": x}),
        "patch.free_text": lambda x: body("PATCH", f"/api/v1/notices/{draft}", {"free_text": x}),
        "reason": lambda x: body("POST", f"/api/v1/notices/{draft}/reject", {"reason": x}),
        "at": lambda x: body("POST", f"/api/v1/notices/{approved}/schedule", {"at": x, "confirm": True}),
        "cron": lambda x: body("POST", f"/api/v1/notices/{approved}/schedule", {"cron": x, "confirm": True}),
        "note": lambda x: body("POST", f"/api/v1/cases/{case}/status", {"status": "in_progress", "note": x}),
        "?kind": lambda x: client.get("/api/v1/notices", headers=key, query_string={"kind": x}),
        "?district": lambda x: client.get("/api/v1/cases", headers=key, query_string={"district": x}),
        "?assignee": lambda x: client.get("/api/v1/cases", headers=key, query_string={"assignee": x}),
    }

    for field, request in requests.items():
        fuzz(stack, request, TEXT if field.startswith("?") else WITH_SURROGATES)  # a URL cannot carry a surrogate


def test_random_text_in_every_console_form_and_filter(site):
    stack, ids = site
    officer = SignedIn(stack.app, "ad-wu", password=PASSWORDS["ad-wu"])
    draft, approved, case = ids["draft"], ids["approved"], ids["case"]
    compose = {"p.level": "torrential_rain", "p.districts": "lingya", "free_text_lang": "zh-Hant"}
    forms = {
        "compose.p.level": lambda x: officer.post("/console/compose?kind=heavy_rain", {**compose, "p.level": x}),
        "compose.free_text": lambda x: officer.post("/console/compose?kind=heavy_rain", {**compose, "free_text": x}),
        "compose.expires": lambda x: officer.post("/console/compose?kind=heavy_rain", {**compose, "expires": x}),
        "edit.p.districts": lambda x: officer.post(f"/console/notices/{draft}/edit", {**compose, "p.districts": x}),
        "reject.reason": lambda x: officer.post(f"/console/notices/{draft}/reject", {"reason": x}),
        "schedule.cron": lambda x: officer.post(f"/console/notices/{approved}/schedule", {"repeat": "cron", "cron": x}),
        "schedule.time": lambda x: officer.post(
            f"/console/notices/{approved}/schedule", {"repeat": "daily", "time": x}
        ),
        "case.note": lambda x: officer.post(f"/console/cases/{case}/note", {"note": x}),
        "case.status.note": lambda x: officer.post(
            f"/console/cases/{case}/status", {"status": "in_progress", "note": x}
        ),
        "case.assignee": lambda x: officer.post(f"/console/cases/{case}/assign", {"assignee": x}),
        "faq.answer": lambda x: officer.post(
            "/console/faq/city_hotline/en", {"questions": "What is 1999?", "answer": x}
        ),
        "faq.questions": lambda x: officer.post("/console/faq/city_hotline/en", {"questions": x, "answer": "1999."}),
        "translation.text": lambda x: officer.post(f"/console/translations/{ids['translation']}", {"text": x}),
        "officer.display_name": lambda x: officer.post(
            "/console/officers/new", {"username": "new-officer", "display_name": x, "role": "editor"}
        ),
        "api_key.name": lambda x: officer.post("/console/api-keys", {"name": x, "mode": "test"}),
        "?audit.actor": lambda x: officer.get("/console/audit", query_string={"actor": x}),
        "?cases.assignee": lambda x: officer.get("/console/cases", query_string={"assignee": x}),
        "?notices.status": lambda x: officer.get("/console/", query_string={"status": x}),
        "rule.name": lambda x: officer.post("/console/incoming/rules/new", {"name": x, "kind": "*", "action": "draft"}),
        "rule.kind": lambda x: officer.post("/console/incoming/rules/new", {"name": "k", "kind": x, "action": "draft"}),
        "rule.min_level": lambda x: officer.post(
            "/console/incoming/rules/new",
            {"name": "level", "kind": "earthquake_report", "min_level": x, "action": "draft"},
        ),
        "rule.districts": lambda x: officer.post(
            "/console/incoming/rules/new",
            {"name": "where", "kind": "*", "districts": ["lingya", x], "action": "ignore"},
        ),
        "rule_edit.name": lambda x: officer.post(
            f"/console/incoming/rules/{ids['rule']}/edit",
            {"name": x, "kind": "*", "action": "draft", "notify_duty": "1"},
        ),
        "?incoming.outcome": lambda x: officer.get("/console/incoming", query_string={"outcome": x}),
    }

    for form in forms.values():
        fuzz(stack, form, TEXT)
