"""A console whose audit log holds a row of every kind the office writes with a summary, each made by the office
function an officer's action calls: notices written, edited, rejected, approved, scheduled, sent, cancelled and
updated, a recurring notice's missed times, FAQ entries and translations edited, a petition moved between
agencies with its status changed, ingest rules added, edited, moved and deleted, shelters opened and closed,
agencies added and retired, a paused channel resumed, API keys made and revoked, officers signed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.conversation.faq_files import seed_if_empty
from bot.office import desk, drafts
from bot.office.accounts import Actor
from bot.office.agencies import add_agency, edit_agency, seed_agencies
from bot.office.audit import AuditAction, record
from bot.office.case_agencies import send_to_agency
from bot.office.cases import assign_case, update_case
from bot.office.channel_pauses import resume_paused_channel
from bot.office.ingest_rules import add_rule, edit_rule, remove_rule, reorder_rule
from bot.office.models import Role
from bot.office.shelters import set_shelter_open
from bot.office.translations import review_translation, save_faq_entry
from bot.shelters.csv_file import RowChecker, read_shelter_file
from bot.shelters.importer import import_shelters
from bot.shelters.models import Shelter
from ingest.rules import Action, Rule
from messages.cap_geography import default_places
from messages.models import NoticeTranslation, TranslationOrigin
from scheduler.outbox import pause_channel
from tests.bot.office.conftest import APPROVER, EDITOR
from tests.support.confirmed import CONFIRMED, confirmed
from tests.support.console_pages import Officer
from tests.support.console_site import pothole_case
from tests.support.console_stack import ConsoleStack
from tests.support.occurrences import daily_notice_with_missed_occurrences
from tests.support.shelters import LIST_FILE

ADMIN = Actor("ad-wu", Role.ADMIN)
REASON = "請補上淹水路段"  # what an officer typed: content, whatever the console's language
TRANSFER_REASON = "排水溝屬水利局"


def build_audit_site(stack: ConsoleStack) -> dict[str, int | str]:
    """Every kind of audit row, made through the office; the ids of the notices and the petition."""
    services = stack.services
    seed_if_empty(services.session_factory)
    stack.add_residents({f"U{n:032x}": ["lingya"] if n % 2 else [] for n in range(4)})
    stack.add_residents({f"U{n:032x}": [] for n in range(900, 902)}, test_recipient=True)
    now = datetime.now(UTC)
    ids = _notices(services, now)
    _petition(services, ids, now)
    _office(services, now)
    ids["recurring"], _occurrences = daily_notice_with_missed_occurrences(services, services.composer)
    keys = Officer(stack.app, "ad-wu")  # signs in, as every officer does
    keys.post("/console/api-keys", {"name": "夜間值班", "mode": "test"})
    return ids


def _compose(services, session, kind_id: str, *, now: datetime, free_text: str | None = None, training=False):
    kind = services.kinds.get(kind_id)
    params = {**kind.example_params, "districts": ["lingya"]} if "districts" in kind.example_params else None
    data = drafts.NoticeInput(kind_id, params or kind.example_params, free_text=free_text, training=training)
    return drafts.compose_notice(session, services.composer, EDITOR, data, now=now)


def _notices(services, now: datetime) -> dict[str, int | str]:
    limits, glossary = services.channel_limits, services.glossary
    with services.session_factory.begin() as session:
        sent = _compose(services, session, "typhoon_land_warning", now=now, free_text="請民眾提早準備防颱物資。")
        scheduled = _compose(services, session, "dengue_outbreak", now=now)
        rejected = _compose(services, session, "dengue_outbreak", now=now, training=True)
        edited = _compose(services, session, "typhoon_land_warning", now=now)
        for notice in (sent, scheduled, rejected):
            desk.submit_notice(session, EDITOR, notice.id, glossary=glossary, channels=limits, now=now)
        desk.reject_notice(session, APPROVER, rejected.id, REASON, now=now)
        changed = drafts.NoticeInput(edited.kind, {**edited.params, "districts": ["cijin"]})
        drafts.edit_notice(session, services.composer, EDITOR, edited.id, changed, now=now)
        drafts.edit_notice(session, services.composer, EDITOR, edited.id, changed, now=now)
        ids: dict[str, int | str] = {
            "sent": sent.id,
            "scheduled": scheduled.id,
            "rejected": rejected.id,
            "edited": edited.id,
        }
    desk.approve_notice(services.dispatch, APPROVER, sent.id, acknowledge_untranslated=True, now=now)
    desk.approve_notice(services.dispatch, APPROVER, scheduled.id, acknowledge_untranslated=True, now=now)
    desk.send_notice_now(services.dispatch, APPROVER, sent.id, channels=limits, confirmation=CONFIRMED)
    with services.session_factory.begin() as session:
        at = now + timedelta(hours=2)
        desk.schedule_notice(
            session,
            APPROVER,
            scheduled.id,
            at=at,
            cron=None,
            glossary=glossary,
            channels=limits,
            now=now,
            **confirmed(services),
        )
        row = session.query(NoticeTranslation).filter_by(notice_id=sent.id, language="vi").one_or_none()
        if row is None:
            row = NoticeTranslation(notice_id=sent.id, language="vi", origin=TranslationOrigin.MACHINE.value, text="x")
            session.add(row)
            session.flush()
        review_translation(session, EDITOR, row.id, "Người dân hãy chuẩn bị sớm.", now=now)
        kind = services.kinds.get("typhoon_land_warning")
        update = drafts.issue_update(
            session,
            services.composer,
            EDITOR,
            sent.id,
            drafts.NoticeInput(kind.id, {**kind.example_params, "districts": ["lingya"]}, ask_checkin=True),
            now=now,
        )
        ids["update"] = update.id
    desk.cancel_notice(services.dispatch, APPROVER, scheduled.id)  # not yet sent: it stops
    ids["cancellation"] = desk.cancel_notice(services.dispatch, APPROVER, sent.id).id  # sent: a Cancel notice
    return ids


def _petition(services, ids: dict[str, int | str], now: datetime) -> None:
    with services.session_factory.begin() as session:  # a petition from before agencies: it has none
        ids["case"] = pothole_case(session, now).number
    with services.session_factory.begin() as session:
        seed_agencies(session, services.glossary)
    number = str(ids["case"])
    send_to_agency(services, ADMIN, number, "public_works_bureau", reason=None, now=now)
    send_to_agency(services, ADMIN, number, "water_resources_bureau", reason=TRANSFER_REASON, now=now)
    assign_case(services, ADMIN, number, "ed-lin", now=now)
    update_case(services, ADMIN, number, status="in_progress", note="已派員清疏", now=now)


def _office(services, now: datetime) -> None:
    services.seed_ingest_rules()
    kinds, districts = list(services.kinds.kinds), [term.key for term in services.glossary.terms("district")]
    rule = Rule(name="大雨草稿", kind="heavy_rain", action=Action.DRAFT, districts=("cijin",))
    with services.session_factory.begin() as session:
        save_faq_entry(
            session, ADMIN, "emergency_numbers", "en", questions=["Emergency numbers?"], answer="Call 119.", now=now
        )
        row = add_rule(session, ADMIN, rule, kinds=kinds, districts=districts, now=now)
        stricter = Rule(
            name="大雨草稿", kind="heavy_rain", action=Action.AUTO_SEND, min_severity="Severe", notify_duty=True
        )
        edit_rule(session, ADMIN, stricter, rule_id=row.id, kinds=kinds, districts=districts, now=now)
        reorder_rule(session, ADMIN, row.id, up=True, now=now)
        remove_rule(session, ADMIN, row.id, now=now)
        add_agency(
            session,
            ADMIN,
            "port_bureau",
            names={"zh-Hant": "港務局", "en": "Port Bureau"},
            glossary=services.glossary,
            now=now,
        )
        edit_agency(session, ADMIN, "port_bureau", names={"en": "Harbour Bureau"}, active=False, now=now)
        pause_channel(session, "line", "LINE monthly message quota reached: You have reached your monthly limit.", now)
    with services.session_factory.begin() as session:  # as ``civicast shelters import`` records it
        shelter_file = read_shelter_file(LIST_FILE, RowChecker(services.glossary, default_places()))
        report = import_shelters(session, shelter_file, now=now)
        record(
            session, "cli", AuditAction.IMPORT_SHELTERS, "shelter", LIST_FILE.name, now=now, summary=report.summary()
        )
        shelters = {shelter.name: shelter.id for shelter in session.scalars(select(Shelter))}
    with services.session_factory.begin() as session:
        set_shelter_open(session, shelters["三民國中"], True, by=APPROVER, now=now)
        set_shelter_open(session, shelters["三民國中"], False, by=APPROVER, now=now)
    resume_paused_channel(services.session_factory, APPROVER, "line", channels={}, force=True, now=now)
