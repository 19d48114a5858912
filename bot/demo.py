"""The demonstration: the whole path of a notice on the embedded default, with no credentials.

Residents are created in the database and in a sandbox of the demo's own; a
typhoon land warning is composed by the demo editor, submitted, approved by the
demo approver and sent, through the office's desk like any notice (the same
rules, the audit log), delivered by the real workers through the sandbox LINE
API, posted to the sandbox Facebook page, and read back from the cable-TV feeds.
The demo refuses to run when civicast is live: its warning would be a real one.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.database import upgrade_database
from bot.office import desk, drafts
from bot.office.accounts import Actor, actor_of, create_officer, find_officer
from bot.office.confirmation import Confirmation
from bot.office.models import Role
from bot.office.services import Services
from bot.settings import Settings
from messages.i18n import LANGUAGES
from scheduler.audience import TOPIC_BITS, Subscriber, district_bit
from scheduler.report import delivery_report
from scheduler.sending import settle_and_expire

DEMO_LABEL = "demo"
DEMO_AUTHOR = "demo-editor"
DEMO_APPROVER = "demo-approver"
Progress = Callable[[str, int, int], None]


class DemoRefused(RuntimeError):
    """The demo cannot run with this configuration; the message says why."""


def demo_officers(session: Session) -> tuple[Actor, Actor]:
    """The demo's editor and approver as actors, created (with passwords nobody knows) when missing; an
    existing officer of that name keeps their password and must still have the role the demo needs."""
    actors = []
    for username, role in ((DEMO_AUTHOR, Role.EDITOR), (DEMO_APPROVER, Role.APPROVER)):
        officer = find_officer(session, username)
        if officer is None:
            officer, _password = create_officer(session, username, role.value)
        if not officer.active:
            raise DemoRefused(f"the demo officer {username} is deactivated")
        actors.append(actor_of(officer, via="demo"))
    return actors[0], actors[1]


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def demo_settings(settings: Settings) -> Settings:
    """The same configuration, with its own sandbox on a free port and the channels in sandbox mode."""
    sandbox = settings.channels.sandbox.model_copy(update={"port": _free_port(settings.channels.sandbox.host)})
    channels = settings.channels.model_copy(update={"mode": "sandbox", "sandbox": sandbox})
    return settings.model_copy(update={"channels": channels})


def seed_residents(services: Services, count: int, *, seed: int = 2024, progress: Progress | None = None) -> None:
    """``count`` LINE residents spread over the 12 languages, 38 districts and 3 topics."""
    rng = random.Random(seed)
    languages = list(LANGUAGES)
    districts = [term.key for term in services.glossary.terms("district")]
    topic_bits = list(TOPIC_BITS.values())
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        session.execute(delete(Subscriber).where(Subscriber.label == DEMO_LABEL))
        for start in range(0, count, 5000):
            rows = []
            for i in range(start, min(count, start + 5000)):
                whole_city = rng.random() < 0.3
                picked = rng.sample(districts, rng.randint(1, 3))
                topics = sum(rng.sample(topic_bits, rng.randint(1, 3)))
                rows.append(
                    {
                        "channel": "line",
                        "platform_user_id": f"U{rng.getrandbits(128):032x}",
                        "language": languages[i % len(languages)],
                        "topics": topics,
                        "districts": 0 if whole_city else sum(district_bit(services.glossary, d) for d in picked),
                        "whole_city": whole_city,
                        "status": "active",
                        "test_recipient": False,
                        "label": DEMO_LABEL,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            session.execute(insert(Subscriber), rows)
            if progress:
                progress("residents", min(count, start + 5000), count)


def run_demo(settings: Settings, *, subscribers: int = 10_000, progress: Progress | None = None) -> dict[str, Any]:
    if settings.channels.mode == "live":
        raise DemoRefused(
            "civicast is live (channels.mode: live): the demo would publish a typhoon warning to the "
            "real feeds and pages; run it on a sandbox configuration"
        )
    started = time.monotonic()
    services = Services(demo_settings(settings))
    sandbox = services.build_sandbox()
    sandbox.serve_in_thread(services.settings.channels.sandbox.host, services.settings.channels.sandbox.port)
    try:
        upgrade_database(services.engine)
        seed_residents(services, subscribers, progress=progress)
        notice_id, identifier, approver = _compose_and_approve(services)
        # The demo's approver confirms the plan as an officer would, typing the number if the notice asks for it.
        confirmation = Confirmation(confirmed=True, typed_number=str(notice_id))
        fanout = desk.send_notice_now(
            services.dispatch, approver, notice_id, channels=services.channel_limits, confirmation=confirmation
        )
        total = sum(sum(langs.values()) for langs in fanout.recipients.values())
        worker = services.build_worker("demo-worker")
        worker.start()
        try:
            _wait_for_delivery(services, notice_id, total, progress)
        finally:
            worker.stop()
        with services.session_factory.begin() as session:
            settle_and_expire(session, datetime.now(UTC))
            report = delivery_report(session, notice_id)
        report["identifier"] = identifier
        report["channels"].setdefault("facebook", {})["post_ids"] = [post["id"] for post in sandbox.graph.state.posts]
        report["channels"]["cable_tv"] = _cable_feed(services, identifier)
        report["elapsed_s"] = round(time.monotonic() - started, 2)
        return report
    finally:
        sandbox.stop()
        services.close()


def _compose_and_approve(services: Services) -> tuple[int, str, Actor]:
    """The demo editor writes and submits the warning; the demo approver approves it (and will send it)."""
    kind = services.kinds.get("typhoon_land_warning")
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        editor, approver = demo_officers(session)
        # CWA re-issues typhoon warnings every three hours: the demo's warning lasts that long on the feeds.
        data = drafts.NoticeInput(
            kind=kind.id, params=kind.example_params, effective=now, expires=now + timedelta(hours=3)
        )
        notice = drafts.compose_notice(session, services.composer, editor, data, now=now)
        desk.submit_notice(
            session, editor, notice.id, glossary=services.glossary, channels=services.channel_limits, now=now
        )
        notice_id, identifier = notice.id, notice.identifier
    desk.approve_notice(services.dispatch, approver, notice_id)
    return notice_id, identifier, approver


def _wait_for_delivery(
    services: Services, notice_id: int, total: int, progress: Progress | None, timeout_s: float = 600
) -> None:
    from sqlalchemy import func, select

    from scheduler.outbox import Delivery, DeliveryStatus, outstanding

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with services.session_factory() as session:
            remaining = outstanding(session, notice_id)
            done = session.scalar(
                select(func.coalesce(func.sum(Delivery.recipient_count), 0)).where(
                    Delivery.notice_id == notice_id, Delivery.status == DeliveryStatus.SENT.value
                )
            )
        if progress:
            progress("delivered", int(done or 0), total)
        if remaining == 0:
            return
        time.sleep(0.2)


def _cable_feed(services: Services, identifier: str) -> dict[str, Any]:
    """Poll the feeds as an operator would, through the web application."""
    client = create_app(services.settings, services).test_client()
    atom = client.get("/feeds/cap.atom")
    crawl = client.get("/feeds/cable/en.json").get_json()
    lines = [item["line"] for item in crawl["items"] if item["identifier"] == identifier]
    cap = client.get(f"/feeds/cap/{identifier}.xml")
    return {
        "on_air": bool(lines) and identifier in atom.get_data(as_text=True),
        "crawl_line_en": lines[0] if lines else None,
        "cap_document": cap.status_code == 200,
        "sent": 1 if lines else 0,
        "targeted": 1,
    }
