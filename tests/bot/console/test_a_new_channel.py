"""A channel civicast has never heard of, registered in the services' registry by this test alone: the preview grid,
the audience counts and the delivery report show it under its own label, with no code anywhere naming it."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from bot.app import create_app
from bot.conversation.petitions import open_case
from bot.office import desk
from bot.office.accounts import create_officer
from bot.office.cases import update_case
from bot.office.services import Services
from bot.settings import load_settings
from channels.base import Audience, Batch, ChannelContext, ChannelLimits, ChannelPreview, SendResult
from channels.registry import ChannelType, default_registry
from channels.section import ChannelSection
from messages.localised import LocalisedNotice
from scheduler.audience import TOPIC_BITS, Subscriber
from scheduler.report import delivery_report
from tests.bot.office.conftest import APPROVER, NOW, approve, compose, submit
from tests.support.confirmed import CONFIRMED
from tests.support.console_pages import PASSWORDS, Officer, html, text

RESIDENTS = 3


class PigeonSettings(ChannelSection):
    enabled: bool = True
    loft: str = "Cijin"


class PigeonPost:
    """Carrier pigeons, one resident each: a language previews as the note tied to the pigeon's leg."""

    name = "pigeon"
    label = "Carrier pigeon"
    limits = ChannelLimits(
        max_recipients=50, max_messages=1, max_text_length=280, requests_per_second=5.0, audience=Audience.RESIDENTS
    )

    def __init__(self, loft: str) -> None:
        self.loft = loft
        self.flown: list[Batch] = []

    @classmethod
    def from_settings(cls, settings: PigeonSettings, context: ChannelContext) -> PigeonPost:
        return cls(settings.loft)

    def send(self, batch: Batch) -> SendResult:
        self.flown.append(batch)
        return SendResult()

    def preview(self, notice: LocalisedNotice) -> ChannelPreview:
        return ChannelPreview(self.name, self.label, f"From the {self.loft} loft: {notice.headline}", look="text")


@pytest.fixture
def services(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    registry = default_registry()
    registry.register(ChannelType("pigeon", PigeonSettings, lambda: PigeonPost))
    services = Services(load_settings(config, environ={}), registry=registry)
    rows = [
        {
            "channel": "pigeon",
            "platform_user_id": f"P{number}",
            "language": "en",
            "topics": sum(TOPIC_BITS.values()),
            "whole_city": True,
            "districts": 0,
            "status": "active",
            "created_at": NOW,
            "updated_at": NOW,
        }
        for number in range(RESIDENTS)
    ]
    with services.session_factory.begin() as session:
        session.execute(insert(Subscriber), rows)
        create_officer(session, "ap-chen", "approver", display_name="Chen", password=PASSWORDS["ap-chen"])
    yield services
    services.close()


@pytest.fixture
def officer(services):
    app = create_app(services.settings, services, resume_webhook_events=False)
    yield Officer(app, "ap-chen")
    app.extensions["civicast.webhook_executor"].shutdown(wait=True)


def test_the_services_build_it_from_the_registry_beside_civicast_s_own(services):
    assert isinstance(services.channels["pigeon"], PigeonPost) and services.channels["pigeon"].loft == "Cijin"
    assert list(services.publishers)[-1] == "pigeon"  # registered last: the grid's last channel


def test_the_preview_grid_shows_its_column_and_its_residents(services, officer):
    notice_id = compose(services)
    page = html(officer.get(f"/console/notices/{notice_id}"))
    heads = [span.text_content() for span in page.xpath("//div[@class='grid-head']/span")]
    assert heads[0] == "Language" and "Carrier pigeon" in heads and heads[-1] == "CAP"
    [cell] = page.xpath("//article[@aria-labelledby='lang-en']//div[@data-channel='pigeon']")
    assert "From the Cijin loft:" in text(cell, ".")
    audience = page.xpath("//table[caption[starts-with(., 'Residents by language')]]")[0]
    assert "Carrier pigeon" in [th.text_content() for th in audience.xpath(".//thead//th")]
    assert "Carrier pigeon" in text(page, "//section[@class='preview']")


def test_the_delivery_report_and_its_page_show_it(services, officer):
    notice_id = compose(services)
    submit(services, notice_id)
    approve(services, APPROVER, notice_id)
    desk.send_notice_now(
        services.dispatch, APPROVER, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )
    with services.session_factory() as session:
        report = delivery_report(session, notice_id)
    assert report["channels"]["pigeon"]["targeted"] == RESIDENTS
    page = html(officer.get(f"/console/notices/{notice_id}/delivery"))
    section = page.xpath("//section[@aria-labelledby='ch-pigeon']")[0]
    assert text(section, ".//h2") == "Carrier pigeon"


def test_a_resident_on_it_is_not_told_of_their_case_as_it_cannot_message_one_resident(services):
    with services.session_factory.begin() as session:
        number = open_case(
            session,
            channel="pigeon",
            user_id="P0",
            language="en",
            category="roads",
            district="lingya",
            description="a pothole",
            location=None,
            photo=None,
            now=NOW,
        ).number
    change, told = update_case(services, APPROVER, number, status="in_progress", note=None, now=NOW)
    assert change.status == "in_progress"
    assert str(told) == "the resident was not told: Carrier pigeon cannot message one resident"
