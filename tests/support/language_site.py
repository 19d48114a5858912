"""A console with one of everything, for the tests that read every page in one console language: notices in
several states (one sent with free text, one rejected, a poll and a check-in among them), a petition, alerts from
the national platform and their rules, shelters, a recurring notice with a missed time, a paused channel; and the
reading helpers that take out what is content (the notice's own words, names officers typed) before a page is
judged."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import lxml.html

from bot.conversation.faq_files import seed_if_empty
from bot.office import desk, drafts
from bot.office.shelters import set_shelter_open
from ingest.rules import rule_rows
from messages.i18n import TAIPEI
from scheduler.outbox import pause_channel
from tests.bot.office.conftest import APPROVER, EDITOR
from tests.support.confirmed import CONFIRMED
from tests.support.console_pages import Officer
from tests.support.console_site import drafted_parking_alert, pothole_case
from tests.support.console_stack import ConsoleStack
from tests.support.line_residents import compose_and_send
from tests.support.occurrences import FIRST, daily_notice_with_missed_occurrences
from tests.support.shelters import import_test_list

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
# Words a Chinese console writes in Latin letters: names of platforms and standards, codes, units.
LATIN_TOKENS = {
    "LINE",
    "Facebook",
    "Messenger",
    "CAP",
    "API",
    "JSON",
    "CSV",
    "ODT",
    "ODS",
    "PDF",
    "Atom",
    "RSS",
    "URL",
    "ID",
    "Web",
    "Push",
    "TEST",
    "Official",
    "Account",
    "Manager",
    "civicast",
    "OK",
    "UTC",
    "BOM",
    "VAPID",
    "SVG",
    "cron",
    "HTTP",
    "CAPTCHA",
    "Google",
    "DeepL",
    "OpenCC",
    "Kaohsiung",
    "Taipei",
    "FAQ",
    "NCDR",
    "Test",
    "Actual",
    "Alert",
    "Update",
    "Cancel",
    "Exercise",
    "System",
    "Draft",
    "Extreme",
    "Severe",
    "Moderate",
    "Minor",
    "Unknown",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
URLISH = re.compile(r"\S*(?:https?://|/|@|\.\w{2,4}\b|_)\S*")
HAN_RUN = re.compile(f"{HAN.pattern}+")
RUN = 3  # three ordinary English words in a row are a sentence, not a name or a code


def english_runs(text: str) -> list[str]:
    """Runs of RUN or more English words in text with addresses and ids taken out; the allowed tokens (names of
    platforms, standards, codes) neither count nor break a run."""
    runs, current = [], []
    for token in URLISH.sub(" | ", text).split():
        word = token.strip(".,:;()[]{}“”\"'!?·—–-…«»")
        if word in LATIN_TOKENS:
            continue
        if WORD.fullmatch(word or "-"):
            current.append(word)
            continue
        if len(current) >= RUN:
            runs.append(" ".join(current))
        current = []
    if len(current) >= RUN:
        runs.append(" ".join(current))
    return runs


def build_site(stack: ConsoleStack) -> dict[str, object]:
    """Everything a console page can show, made through the desk as officers would; the ids of what was made."""
    services = stack.services
    seed_if_empty(services.session_factory)
    stack.add_residents({f"U{n:032x}": ["lingya"] if n % 2 else [] for n in range(12)})
    now = datetime.now(UTC)
    kind = services.kinds.get("typhoon_land_warning")
    with services.session_factory.begin() as session:
        sent = drafts.compose_notice(
            session,
            services.composer,
            EDITOR,
            drafts.NoticeInput(
                kind.id, {**kind.example_params, "districts": ["lingya"]}, free_text="請民眾提早準備防颱物資。"
            ),
            now=now,
        )
        waiting = drafts.compose_notice(
            session,
            services.composer,
            EDITOR,
            drafts.NoticeInput("dengue_outbreak", services.kinds.get("dengue_outbreak").example_params),
            now=now,
        )
        draft = drafts.compose_notice(
            session,
            services.composer,
            EDITOR,
            drafts.NoticeInput("dengue_outbreak", services.kinds.get("dengue_outbreak").example_params, training=True),
            now=now,
        )
        rejected = drafts.compose_notice(
            session,
            services.composer,
            EDITOR,
            drafts.NoticeInput("dengue_outbreak", services.kinds.get("dengue_outbreak").example_params),
            now=now,
        )
        for notice in (sent, waiting, rejected):
            desk.submit_notice(
                session, EDITOR, notice.id, glossary=services.glossary, channels=services.channel_limits, now=now
            )
        desk.reject_notice(session, APPROVER, rejected.id, "請補上疫情地區", now=now)  # its reason is content
        case = pothole_case(session, now)
        ids: dict[str, object] = {
            "sent": sent.id,
            "waiting": waiting.id,
            "draft": draft.id,
            "rejected": rejected.id,
            "case": case.number,
        }
    desk.approve_notice(services.dispatch, APPROVER, sent.id, acknowledge_untranslated=True, now=now)
    desk.send_notice_now(services.dispatch, APPROVER, sent.id, channels=services.channel_limits, confirmation=CONFIRMED)
    editor = Officer(stack.app, "ed-lin")
    closes = (now + timedelta(days=1)).astimezone(TAIPEI).strftime("%Y-%m-%dT%H:%M")
    ids["poll"] = compose_and_send(
        stack,
        editor,
        {
            "kind": "poll",
            "p.districts": ["lingya"],
            "free_text": "下週起美濃區公車是否需要增加班次？",
            "free_text_lang": "zh-Hant",
            "option.1.phrase": "yes",
            "option.2.phrase": "no",
            "option.3.text": "只要假日增加",
            "closes_at": closes,
        },
        acknowledge_untranslated=True,
    )
    ids["checkin"] = compose_and_send(
        stack,
        editor,
        {"kind": "heavy_rain", "p.level": "torrential_rain", "p.districts": ["lingya"], "ask_checkin": "1"},
        acknowledge_untranslated=True,
    )
    services.seed_ingest_rules()
    with services.session_factory.begin() as session:
        ids["incoming"] = drafted_parking_alert(session, draft.id)
        ids["rule"] = rule_rows(session)[0].id
    shelters = import_test_list(services.session_factory, services.glossary, now=now)
    with services.session_factory.begin() as session:
        set_shelter_open(session, shelters["三民國中"], True, by=APPROVER, now=now)
    ids["recurring"], occurrences = daily_notice_with_missed_occurrences(services, services.composer)
    ids["missed"] = occurrences[FIRST]
    with services.session_factory.begin() as session:
        pause_channel(session, "line", "LINE monthly message quota reached: You have reached your monthly limit.", now)
    return ids


def pages(ids: dict[str, object]) -> list[str]:
    notice = "/console/notices/{}".format
    sent = notice(ids["sent"])
    return [
        "/console/",
        "/console/?status=sent",
        "/console/compose",
        "/console/compose?kind=typhoon_land_warning&example=1",
        "/console/compose?kind=day_off",
        "/console/compose?kind=poll",
        sent,
        notice(ids["waiting"]),
        notice(ids["draft"]),
        notice(ids["rejected"]),
        notice(ids["recurring"]),
        notice(ids["missed"]),
        notice(ids["poll"]),
        f"{sent}/delivery",
        f"{notice(ids['draft'])}/edit",
        f"{sent}/update",
        f"{notice(ids['poll'])}/poll",
        f"{notice(ids['poll'])}/poll/options",
        f"{notice(ids['checkin'])}/checkins",
        "/console/translations",
        "/console/faq",
        "/console/faq/emergency_numbers/en",
        "/console/cases",
        "/console/cases/desk",
        f"/console/cases/{ids['case']}",
        "/console/subscribers",
        "/console/audit",
        "/console/audit?action=reject",
        "/console/audit?action=missed",
        "/console/officers",
        "/console/api-keys",
        "/console/agencies",
        "/console/incoming",
        f"/console/incoming/{ids['incoming']}",
        "/console/incoming/rules",
        f"/console/incoming/rules/{ids['rule']}/edit",
        "/console/shelters",
        "/console/reports",
        "/console/notices/999999",
    ]


def chrome_text(page_html: str, ui_lang: str) -> str:
    """The page's visible text once content is taken out: elements marked ``data-content`` (the notice's own words,
    what officers and residents typed), what a text area holds, codes (class ``code``), and elements in a language
    other than the console's (``lang``)."""
    tree = lxml.html.fromstring(page_html)
    content = "//script | //style | //textarea | //*[@data-content] | //*[@lang] | //*[@class='code']"
    for node in tree.xpath(content):
        if node.tag == "html" or (node.get("lang") == ui_lang and node.get("data-content") is None):
            continue
        node.drop_tree()
    return " ".join(tree.text_content().split())
