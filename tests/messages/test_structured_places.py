"""Phrases are not names: a road section is a range between two places and a vaccination site a kind of place,
each written by the language's own words; kilometre markers stay as the highway authority gives them."""

from __future__ import annotations

from messages.i18n import LANGUAGES

ENGLISH_PHRASES = ("district health centres", "contracted clinics", " to Furen", "Closed section")


def compose(composer, kind_id, **overrides):
    params = {**composer.kinds.get(kind_id).example_params, **overrides}
    notice = composer.new_notice(kind_id, params)
    notice.id = 7
    return composer.compose_all(notice, list(LANGUAGES))


def test_the_section_and_the_sites_are_in_each_language_s_own_words(composer):
    closure = compose(composer, "road_closure")
    campaign = compose(composer, "vaccination_campaign", place=None, places="health_centres_and_clinics")
    for code in LANGUAGES:
        if code == "en":
            continue
        for text in (closure[code].body, campaign[code].body):
            assert not any(phrase in text for phrase in ENGLISH_PHRASES), (code, text)
        assert "和平一路至輔仁路" in closure[code].body or code == "zh-Hans", code  # the sign's own characters
    assert "各區衛生所及合約醫療院所" in campaign["zh-Hant"].body
    assert "Where: district health centres and contracted clinics." in campaign["en"].body


def test_kilometre_markers_from_the_highway_authority_stay_as_given(composer):
    localised = compose(composer, "road_closure", section="78K+700~79K+000")
    assert "封閉路段：78K+700~79K+000。" in localised["zh-Hant"].body
    assert "Closed section: 78K+700~79K+000." in localised["en"].body
    assert all("78K+700~79K+000" in ln.body for ln in localised.values())
