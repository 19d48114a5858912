"""What the tests of the console's office pages share: the app on a real database, signed-in officers,
and helpers that read the pages' HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import lxml.html
from sqlalchemy import select

from bot.conversation.petitions import open_case
from bot.office.models import AuditEntry
from messages.models import NoticeTranslation, TranslationOrigin
from messages.translate import remember
from tests.support.factories import saved_notice

PASSWORDS = {"ad-wu": "admin-password-2026", "ed-lin": "editor-password-2026", "ap-chen": "approver-password-2026"}
SOURCE = "颱風期間旗津渡輪停駛，請改搭公車。"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FAQ_KEYS = ("city_hotline", "emergency_numbers", "typhoon_day_off")  # a small FAQ: the index rebuilds quickly
PAGES = (
    "/console/translations",
    "/console/faq",
    "/console/faq/city_hotline/en",
    "/console/cases",
    "/console/cases/{case}",
    "/console/subscribers",
    "/console/audit",
    "/console/officers",
    "/console/api-keys",
)


class Officer:
    """A signed-in officer's browser: the test client, with the CSRF token put into every POST."""

    def __init__(self, app, username: str, ui_lang: str = "en", *, password: str | None = None) -> None:
        self.client = app.test_client()
        token = self._token(self.client.get("/console/login"))
        response = self.client.post(
            "/console/login",
            data={"username": username, "password": password or PASSWORDS[username], "csrf_token": token},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = self._token(self.client.get("/console/audit"))  # a new session (and token) at sign-in
        self.client.post("/console/language", data={"lang": ui_lang, "csrf_token": self.token})

    @staticmethod
    def _token(response) -> str:
        return CSRF.search(response.get_data(as_text=True)).group(1)

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)

    def language(self, lang: str) -> None:
        self.client.post("/console/language", data={"lang": lang, "csrf_token": self.token})


def html(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def text(tree, xpath="//main") -> str:
    return " ".join(" ".join(node.text_content().split()) for node in tree.xpath(xpath))


def table_rows(tree, caption_start: str) -> dict[str, list[str]]:
    """A table's body rows as {row header: [cells]}, the table found by the start of its caption."""
    for table in tree.xpath("//table"):
        if text(table, "caption").startswith(caption_start):
            return {
                text(row, "th"): [" ".join(td.text_content().split()) for td in row.xpath("td")]
                for row in table.xpath("tbody/tr")
            }
    raise AssertionError(f"no table captioned {caption_start!r}")


def add_case(services, **fields) -> str:
    values = {
        "channel": "line",
        "user_id": "U" + "1" * 32,
        "language": "vi",
        "category": "roads",
        "district": "cijin",
        "description": "Ổ gà lớn trên đường Miaoqian.",
        "location": None,
        "photo": None,
        "now": datetime.now(UTC),
    } | fields
    with services.session_factory.begin() as session:
        return open_case(session, **values).number


def add_translations(services) -> tuple[int, dict[str, int]]:
    """A sent notice with free text, machine translated into Vietnamese and held (no text) for Thai."""
    with services.session_factory.begin() as session:
        notice = saved_notice(session, services.composer)
        notice.free_text, notice.free_text_lang = SOURCE, "zh-Hant"
        rows = {
            "vi": NoticeTranslation(
                notice_id=notice.id,
                language="vi",
                text="Phà máy dịch.",
                origin=TranslationOrigin.MACHINE.value,
                engine="google",
            ),
            "th": NoticeTranslation(
                notice_id=notice.id, language="th", text=None, origin=TranslationOrigin.MACHINE.value
            ),
            "en": NoticeTranslation(
                notice_id=notice.id,
                language="en",
                text="Ferries suspended.",
                origin=TranslationOrigin.REVIEWED.value,
                reviewed_by="someone",
            ),
        }
        session.add_all(rows.values())
        remember(session, SOURCE, "zh-Hant", "vi", "Phà máy dịch.", origin=TranslationOrigin.MACHINE, engine="google")
        session.flush()
        return notice.id, {lang: row.id for lang, row in rows.items()}


def audit_actions(services, subject_type: str, subject_id: str) -> list[str]:
    with services.session_factory() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
                .order_by(AuditEntry.id)
            )
        )


def check_accessible_structure(tree) -> None:
    assert len(tree.xpath("//h1")) == 1
    labelled = {label.get("for") for label in tree.xpath("//label[@for]")}
    for control in tree.xpath("//input[not(@type='hidden')] | //select | //textarea"):
        assert control.get("id") in labelled, f"{lxml.html.tostring(control)[:120]!r} has no label"
    for form in tree.xpath("//form[@method='post']"):
        assert form.xpath(".//input[@name='csrf_token']"), f"a form to {form.get('action')} has no CSRF token"
    for table in tree.xpath("//table"):
        assert table.xpath("caption") and not table.xpath(".//th[not(@scope)]")
    assert not tree.xpath("//*[@style]") and not tree.xpath("//script[not(@src)]")  # the CSP allows neither
