"""CAP 1.2: our alerts validate against the OASIS schema (reading others' alerts: test_cap_read.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from messages.cap import CAP_NS, AlertHeader, build_alert, validate_cap
from messages.cap_read import read_cap
from messages.i18n import LANGUAGES

REAL_ALERTS = Path(__file__).parent.parent / "data" / "cap-tw-2019"
NS = {"cap": CAP_NS}


def alert_for(composer, glossary, kind_id, *, status="Actual", msg_type="Alert", references=(), **params):
    kind = composer.kinds.get(kind_id)
    notice = composer.new_notice(
        kind_id, {**kind.example_params, **params}, effective="2024-04-03T08:00", expires="2024-04-03T20:00"
    )
    notice.id, notice.identifier = 7, "civicast-test-0007"
    localised = composer.compose_all(notice, list(LANGUAGES)).values()
    header = AlertHeader(
        "civicast-test-0007", "kcg.gov.tw", datetime(2024, 4, 3, 0, 5, tzinfo=UTC), status, msg_type, tuple(references)
    )
    return build_alert(header, kind, localised, glossary)


def test_earthquake_alert_validates_with_one_info_per_language(composer, glossary):
    document = alert_for(composer, glossary, "earthquake_report")
    assert validate_cap(document) == []
    tree = etree.fromstring(document)
    languages = [e.text for e in tree.findall("cap:info/cap:language", NS)]
    assert languages == list(LANGUAGES)
    assert tree.findtext("cap:sent", namespaces=NS) == "2024-04-03T08:05:00+08:00"
    first = tree.find("cap:info", NS)
    assert first.findtext("cap:event", namespaces=NS) and first.findtext("cap:headline", namespaces=NS)
    assert first.findtext("cap:eventCode/cap:value", namespaces=NS) == "earthquake"


@pytest.mark.parametrize(
    "kind_id",
    ["typhoon_land_warning", "day_off", "dengue_outbreak", "ferry_suspension", "air_quality", "evacuation_order"],
)
def test_other_kinds_validate_too(composer, glossary, kind_id):
    assert validate_cap(alert_for(composer, glossary, kind_id)) == []


def test_areas_carry_district_geocodes(composer, glossary):
    tree = etree.fromstring(alert_for(composer, glossary, "heavy_rain", districts="sanmin,lingya"))
    codes = [e.text for e in tree.findall("cap:info[1]/cap:area/cap:geocode/cap:value", NS)]
    assert codes == ["6400500", "6400800"]
    whole = etree.fromstring(alert_for(composer, glossary, "heavy_rain", districts="all"))
    assert whole.findtext("cap:info/cap:area/cap:geocode/cap:value", namespaces=NS) == "64"


def test_training_alert_has_status_test(composer, glossary):
    tree = etree.fromstring(alert_for(composer, glossary, "heavy_rain", status="Test"))
    assert tree.findtext("cap:status", namespaces=NS) == "Test"


def test_update_carries_references(composer, glossary):
    ref = "kcg.gov.tw,civicast-test-0006,2024-04-03T08:00:00+08:00"
    document = alert_for(composer, glossary, "heavy_rain", msg_type="Update", references=[ref])
    assert validate_cap(document) == []
    assert read_cap(document).references == (ref,)


def test_schema_validation_catches_a_broken_alert():
    broken = b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>'
    assert validate_cap(broken)


def test_the_real_alert_that_breaks_the_schema_is_detected():
    failures = {p.name for p in REAL_ALERTS.glob("*.xml") if validate_cap(p.read_bytes())}
    assert failures, "one alert of the sample set fails the schema"
    assert len(failures) < len(list(REAL_ALERTS.glob("*.xml")))
