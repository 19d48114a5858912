"""Phrases are not names: a road section is two places and a vaccination site a kind of place, each written by
the language's own phrases; only the proper names are names."""

from __future__ import annotations

import pytest

from messages.i18n import LANGUAGES

SECTION = {"zh-Hant": "封閉路段：和平一路至輔仁路。", "en": "Closed section: from Heping 1st Road to Furen Road."}
ENGLISH_PHRASES = ("district health centres", "contracted clinics", " to Furen", "Closed section")


def compose(composer, kind_id, **overrides):
    params = {**composer.kinds.get(kind_id).example_params, **overrides}
    notice = composer.new_notice(kind_id, params)
    notice.id = 7
    return composer.compose_all(notice, list(LANGUAGES))


@pytest.mark.parametrize("language", sorted(SECTION))
def test_a_road_section_runs_from_one_place_to_another(composer, language):
    assert SECTION[language] in compose(composer, "road_closure")[language].body


def test_the_section_and_the_sites_are_in_each_language_s_own_words(composer):
    closure, campaign = compose(composer, "road_closure"), compose(composer, "vaccination_campaign")
    for code in LANGUAGES:
        if code == "en":
            continue
        for text in (closure[code].body, campaign[code].body):
            assert not any(phrase in text for phrase in ENGLISH_PHRASES), (code, text)
    assert "各區衛生所及合約醫療院所" in campaign["zh-Hant"].body
    assert "Where: district health centres and contracted clinics." in campaign["en"].body


def test_kilometre_markers_from_the_highway_authority_stay_as_given(composer):
    localised = compose(composer, "road_closure", section_from=None, section_to=None, section="78K+700~79K+000")
    assert "封閉路段：78K+700~79K+000。" in localised["zh-Hant"].body
    assert "Closed section: 78K+700~79K+000." in localised["en"].body
    assert all("78K+700~79K+000" in ln.body for ln in localised.values())


def test_a_section_with_one_end_only_is_not_written_half(composer):
    localised = compose(composer, "road_closure", section_to=None, section=None)
    assert "Closed section" not in localised["en"].body
