"""Each public notice page shows the districts it concerns: a list (the content) beside a schematic map (an image
with a title and a description), both in the page's language."""

from __future__ import annotations

import lxml.html
import pytest

from bot.app import create_app
from bot.office.services import Services
from bot.settings import load_settings
from messages.glossary import WHOLE_CITY
from tests.support.factories import saved_notice


@pytest.fixture
def services(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    yield services
    services.close()


@pytest.fixture
def client(services):
    return create_app(services.settings, services, resume_webhook_events=False).test_client()


def add(services, **params):
    with services.session_factory.begin() as session:
        return saved_notice(session, services.composer, "typhoon_land_warning", **params).id


def district_section(client, notice_id, lang):
    response = client.get(f"/n/{notice_id}?lang={lang}")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.get_data(as_text=True))
    (section,) = page.xpath("//section[contains(@class, 'districts')]")
    (svg,) = section.xpath(".//*[local-name()='svg']")
    return section, svg


def marked(svg):
    return sorted(svg.xpath(".//*[local-name()='g'][contains(concat(' ', @class, ' '), ' marked ')]/@data-district"))


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("zh-Hant", ["苓雅區", "前鎮區"]),
        ("th", ["เขตหลิงหย่า (Lingya)", "เขตเฉียนเจิ้น (Cianjhen)"]),
        ("en", ["Lingya District", "Cianjhen District"]),
    ],
)
def test_the_page_lists_and_maps_the_districts_in_its_language(services, client, lang, names):
    notice_id = add(services, districts=["lingya", "cianjhen"])
    section, svg = district_section(client, notice_id, lang)
    assert [" ".join(item.text_content().split()) for item in section.xpath(".//ul/li")] == [
        services.glossary.name("district", key, lang) for key in ("lingya", "cianjhen")
    ]
    assert [item.text_content() for item in section.xpath(".//ul/li")] == names
    assert len(svg.xpath(".//*[@data-district]")) == 38
    assert marked(svg) == ["cianjhen", "lingya"]
    # An image named by its title and described by its desc, which names the marked districts too.
    assert svg.get("role") == "img" and svg.get("lang") == lang
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.xpath(f"string(.//*[@id='{title_id}'])")
    description = svg.xpath(f"string(.//*[@id='{desc_id}'])")
    assert all(name in description for name in names)


def test_a_whole_city_notice_marks_every_tile(services, client):
    notice_id = add(services, districts=[WHOLE_CITY])
    section, svg = district_section(client, notice_id, "zh-Hant")
    assert len(marked(svg)) == 38
    assert [item.text_content() for item in section.xpath(".//ul/li")] == ["高雄市全區"]
    assert "所有行政區皆已標示" in svg.xpath("string(.//*[local-name()='desc'])")


def test_the_map_labels_are_in_the_page_language(services, client):
    notice_id = add(services, districts=["lingya"])
    _section, zh = district_section(client, notice_id, "zh-Hant")
    _section, en = district_section(client, notice_id, "en")
    label = "string(.//*[@data-district='lingya']/*[local-name()='text'])"
    assert zh.xpath(label) == "苓雅"
    assert en.xpath(label) == "Lingya"
