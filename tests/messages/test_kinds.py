"""The notice kinds: the required ids, their topics, CAP mapping and templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from messages.kinds import CAP_CATEGORIES, KindDefinitionError, Topic, load_kind_book

REQUIRED_KINDS = {
    "typhoon_sea_warning",
    "typhoon_land_warning",
    "day_off",
    "heavy_rain",
    "evacuation_order",
    "shelter_open",
    "earthquake_report",
    "tsunami_warning",
    "extreme_heat",
    "cold_surge",
    "thunderstorm",
    "reservoir_release",
    "water_outage",
    "power_outage",
    "emergency_parking",
    "air_quality",
    "dengue_outbreak",
    "disease_advisory",
    "vaccination_campaign",
    "mrt_disruption",
    "road_closure",
    "bus_change",
    "ferry_suspension",
    "announcement",
}


def test_every_required_kind_exists_across_the_three_topics(kinds):
    assert REQUIRED_KINDS <= set(kinds.kinds)
    assert {k.topic for k in kinds.kinds.values()} == set(Topic)


@pytest.mark.parametrize("kind_id", sorted(REQUIRED_KINDS))
def test_kind_is_complete(kinds, composer, kind_id):
    kind = kinds.get(kind_id)
    assert kind.cap.category in CAP_CATEGORIES
    assert kind.title
    if kind.free_text_only:
        return
    assert kind.phrases["headline"] and kind.phrases["body"] and kind.phrases["instruction"]
    # The example values are valid parameters: the composer accepts them.
    notice = composer.new_notice(kind_id, kind.example_params)
    assert notice.kind == kind_id
    for param in kind.params.values():
        assert param.example is not None, f"{kind_id}.{param.name} has no example"


def test_earthquake_report_has_the_parameters_officers_report(kinds):
    assert {"magnitude", "epicentre", "depth_km", "intensity", "time"} <= set(kinds.get("earthquake_report").params)
    assert list(kinds.enums["quake_intensity"]) == ["1", "2", "3", "4", "5-", "5+", "6-", "6+", "7"]
    quake = kinds.get("earthquake_report")
    assert {"epicentre_km", "epicentre_bearing", "epicentre_from", "districts"} <= set(quake.params)
    assert quake.params["epicentre_from"].group == "quake_reference"
    assert list(kinds.enums["compass_point"]) == [
        "n",
        "nne",
        "ne",
        "ene",
        "e",
        "ese",
        "se",
        "sse",
        "s",
        "ssw",
        "sw",
        "wsw",
        "w",
        "wnw",
        "nw",
        "nnw",
    ]


def _book_with_headline(tmp_path: Path, headline: str) -> Path:
    source = tmp_path / "kinds.yaml"
    source.write_text(
        f"""
enums: {{}}
common: {{}}
kinds:
  heat:
    title: Heat
    topic: health
    agency: cwa
    cap: {{category: Met, event_code: x, urgency: Expected, severity: Minor, certainty: Likely}}
    params:
      temperature: {{type: int, required: false, min: 30, max: 50, example: 38}}
    headline:
{headline}
""",
        encoding="utf-8",
    )
    return source


def test_alternative_sentences_are_read_in_order(tmp_path: Path):
    headline = """      - first_of: ["Up to {temperature} °C", "Heat alert"]"""
    book = load_kind_book(_book_with_headline(tmp_path, headline))
    (segment,) = book.get("heat").phrases["headline"]
    assert [choice.text for choice in segment.choices] == ["Up to {temperature} °C", "Heat alert"]
    assert {choice.context for choice in segment.choices} == {"heat.headline"}


@pytest.mark.parametrize(
    ("headline", "says"),
    [
        ("""      - first_of: ["Only one"]""", "first_of"),
        ("""      - first_of: ["Heat", {first_of: ["A", "B"]}]""", "first_of"),
        ("""      - first_of: ["Heat", "Up to {nobody}"]""", r"placeholder \{nobody\}"),
    ],
)
def test_bad_alternatives_are_rejected(tmp_path: Path, headline, says):
    with pytest.raises(KindDefinitionError, match=says):
        load_kind_book(_book_with_headline(tmp_path, headline))


def test_a_template_naming_an_undeclared_parameter_is_rejected(tmp_path: Path):
    source = tmp_path / "kinds.yaml"
    source.write_text(
        """
enums: {}
common: {}
kinds:
  broken:
    title: Broken
    topic: disaster
    agency: cwa
    cap: {category: Met, event_code: x, urgency: Expected, severity: Minor, certainty: Likely}
    params: {}
    headline: ["Hello {nobody}"]
""",
        encoding="utf-8",
    )
    with pytest.raises(KindDefinitionError, match=r"placeholder \{nobody\}"):
        load_kind_book(source)
