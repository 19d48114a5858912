"""The console with real data for whole-site browser checks (axe, phone widths, screenshots).

Notices in every state, a delivery, a petition, FAQ entries, a translation waiting for review,
officers and keys, alerts from the national platform, shelters, a recurring notice that missed a run,
and a paused channel so every console page carries its banner. The city's agencies, with an officer of the public
works bureau (the pothole petition is theirs, a drainage one another bureau's) who has an API key of their own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.conversation.faq_files import seed_if_empty
from bot.conversation.petitions import open_case
from bot.office import desk, drafts, polls
from bot.office.accounts import Actor, create_officer
from bot.office.agencies import seed_agencies
from bot.office.api_keys import create_api_key
from bot.office.models import Role
from bot.office.shelters import set_shelter_open
from ingest.models import Outcome
from ingest.rules import rule_rows
from messages.models import NoticeTranslation, TranslationOrigin
from scheduler.outbox import outstanding, pause_channel
from tests.support.confirmed import CONFIRMED
from tests.support.console_stack import ConsoleStack
from tests.support.incoming import incoming_alert, real_alert
from tests.support.occurrences import FIRST, daily_notice_with_missed_occurrences
from tests.support.shelters import import_test_list

EDITOR = Actor("ed-lin", Role.EDITOR)
APPROVER = Actor("ap-chen", Role.APPROVER)
AGENCY_OFFICER, AGENCY_PASSWORD = "works-wang", "works-password-2026"  # the public works bureau's officer


def seeded_site(tmp_path_factory):
    """A console stack with real data; the caller closes the stack."""
    stack = ConsoleStack(tmp_path_factory.mktemp("a11y"), f"sqlite:///{tmp_path_factory.mktemp('db')}/c.db")
    stack.add_residents({f"U{n:032x}": ["lingya"] if n % 2 else [] for n in range(12)})
    stack.add_residents({f"U{n:032x}": [] for n in range(900, 903)}, test_recipient=True)
    services = stack.services
    seed_if_empty(services.session_factory)
    now = datetime.now(UTC)
    kind = services.kinds.get("typhoon_land_warning")
    params = {**kind.example_params, "districts": ["lingya"]}
    with services.session_factory.begin() as session:
        sent = drafts.compose_notice(
            session,
            services.composer,
            EDITOR,
            drafts.NoticeInput(kind.id, params, free_text="請民眾提早準備防颱物資。"),
            now=now,
        )
        desk.submit_notice(
            session, EDITOR, sent.id, glossary=services.glossary, channels=services.channel_limits, now=now
        )
        draft = drafts.compose_notice(
            session,
            services.composer,
            EDITOR,
            drafts.NoticeInput("dengue_outbreak", services.kinds.get("dengue_outbreak").example_params, training=True),
            now=now,
        )
        seed_agencies(session, services.glossary)
        create_officer(
            session, AGENCY_OFFICER, "agency_officer", agency="public_works_bureau", password=AGENCY_PASSWORD
        )
        create_api_key(session, AGENCY_OFFICER, name="道路維護管理系統", mode="live")
        case = pothole_case(session, now)
        drain = pothole_case(session, now, category="drainage", description="Cống thoát nước bị tắc.")
        ids = {"sent": sent.id, "draft": draft.id, "case": case.number, "other_agency_case": drain.number}
    desk.approve_notice(services.dispatch, APPROVER, ids["sent"], acknowledge_untranslated=True, now=now)
    desk.send_notice_now(
        services.dispatch, APPROVER, ids["sent"], channels=services.channel_limits, confirmation=CONFIRMED
    )
    with services.session_factory.begin() as session:
        row = session.query(NoticeTranslation).filter_by(notice_id=ids["sent"], language="vi").one_or_none()
        if row is None:
            row = NoticeTranslation(notice_id=ids["sent"], language="vi", origin=TranslationOrigin.MACHINE.value)
            session.add(row)
        row.text, row.origin, row.engine = "Người dân hãy chuẩn bị sớm.", TranslationOrigin.MACHINE.value, "google"
    services.seed_ingest_rules()
    with services.session_factory.begin() as session:  # alerts from the national platform, and the rules
        ids["incoming"] = drafted_parking_alert(session, ids["draft"])
        ids["incoming_test"] = incoming_alert(
            session,
            real_alert("CDC_communicable_20190521123448_001.xml"),
            status="Test",
            msg_type="Alert",
            outcome=Outcome.TRAINING,
        ).id
        ids["hostile"] = incoming_alert(
            session, b"<script>alert(1)</script>\x01\xff", outcome=Outcome.REJECTED, duplicate_of=ids["incoming"]
        ).id
        ids["rule"] = rule_rows(session)[0].id
    shelters = import_test_list(services.session_factory, services.glossary, now=datetime.now(UTC))
    with services.session_factory.begin() as session:  # the shelters page with one open, its Close button
        set_shelter_open(session, shelters["三民國中"], True, by=APPROVER, now=datetime.now(UTC))
    with services.session_factory.begin() as session:  # a poll: its results and its options' translations
        ids["poll"] = polls.compose_poll(
            session,
            services.composer,
            EDITOR,
            drafts.NoticeInput("poll", {"districts": ["lingya"]}, free_text="要不要延長圖書館開放時間？"),
            options=[polls.OptionInput(phrase_key="yes"), polls.OptionInput(text="只要週末")],
            closes_at=now + timedelta(days=1),
            now=now,
        ).id
    ids["recurring"], occurrences = daily_notice_with_missed_occurrences(services, services.composer)
    ids["missed"] = occurrences[FIRST]
    stack.wait_for(lambda: _delivered(stack, ids["sent"]))
    with services.session_factory.begin() as session:  # every console page then carries the paused-channel banner
        pause_channel(
            session,
            "line",
            "LINE monthly message quota reached: You have reached your monthly limit.",
            datetime.now(UTC),
        )
    return stack, ids


def pothole_case(session, now, *, category: str = "roads", description: str = "Ổ gà lớn trên đường Sanduo."):
    """A resident's petition in Vietnamese, for the case pages."""
    return open_case(
        session,
        channel="line",
        user_id="U" + "9" * 32,
        language="vi",
        category=category,
        district="lingya",
        description=description,
        location=None,
        photo=None,
        now=now,
    )


def drafted_parking_alert(session, draft_id: int) -> int:
    """A national alert the desk's rule turned into the given draft: its id."""
    return incoming_alert(
        session,
        real_alert("KHC_Parking_20190823224823.xml"),
        status="Actual",
        msg_type="Alert",
        kind="emergency_parking",
        districts=["lingya"],
        outcome=Outcome.DRAFTED,
        notice_id=draft_id,
        rule="desk",
    ).id


def _delivered(stack, notice_id):

    with stack.services.session_factory() as session:
        return outstanding(session, notice_id) == 0


def console_pages(ids: dict[str, int | str]) -> list[str]:
    """Every console page an officer can reach, each in the state the data above gives it."""
    sent, draft = f"/console/notices/{ids['sent']}", f"/console/notices/{ids['draft']}"
    return [
        "/console/",
        "/console/?status=sent",
        "/console/compose",
        "/console/compose?kind=typhoon_land_warning&example=1",
        "/console/compose?kind=day_off",
        sent,
        draft,
        f"{sent}/delivery",
        f"{sent}/checkins",
        f"/console/notices/{ids['poll']}",
        f"/console/notices/{ids['poll']}/poll",
        f"/console/notices/{ids['poll']}/poll/options",
        "/console/compose?kind=poll",
        f"{draft}/edit",
        f"{sent}/update",
        "/console/translations",
        "/console/faq",
        "/console/faq/emergency_numbers/en",
        "/console/cases",
        "/console/cases/desk",
        f"/console/cases/{ids['case']}",
        "/console/subscribers",
        "/console/audit",
        "/console/officers",
        "/console/officers/new",
        "/console/agencies",
        "/console/api-keys",
        "/console/reports",
        "/console/notices/999999",
        f"/console/notices/{ids['recurring']}",
        f"/console/notices/{ids['missed']}",
        "/console/incoming",
        f"/console/incoming/{ids['incoming']}",
        f"/console/incoming/{ids['incoming_test']}",
        f"/console/incoming/{ids['hostile']}",
        "/console/incoming/rules",
        f"/console/incoming/rules/{ids['rule']}/edit",
        "/console/shelters",
    ]


def agency_pages(ids: dict[str, int | str]) -> dict[str, int]:
    """What an officer of one agency sees, with the status each answers: their home (the case desk), their
    agency's cases and one of them, their API keys; another agency's case, the agencies and a notice are not theirs."""
    return {
        "/console/": 200,
        "/console/cases/desk": 200,
        "/console/cases": 200,
        "/console/cases?status=received": 200,
        f"/console/cases/{ids['case']}": 200,
        "/console/api-keys": 200,
        f"/console/cases/{ids['other_agency_case']}": 404,
        "/console/agencies": 403,
        f"/console/notices/{ids['sent']}": 403,
    }


def public_pages(ids: dict[str, int | str]) -> list[str]:
    pages = [f"/n/{ids['sent']}?lang={lang}" for lang in ("zh-Hant", "en", "th", "my", "km", "vi")]
    pages += ["/notices?lang=zh-Hant", "/notices?lang=en", "/notices?lang=ja", "/n/999999?lang=en"]
    return pages + ["/statistics?lang=zh-Hant", "/statistics?lang=en", "/opendata/?lang=zh-Hant", "/opendata/?lang=en"]
