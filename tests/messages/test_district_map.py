"""The district map's data and drawing: every district in one area and on one tile, tiles where the districts lie,
the filter finding a district by its name in any language, and the SVG marking exactly the districts asked."""

from __future__ import annotations

import lxml.etree
import pytest
import yaml

from messages.cap_geography import POINTS_FILE
from messages.district_map import (
    DistrictGroup,
    DistrictLayout,
    MapWords,
    district_layout,
    district_map_svg,
    district_names,
    fold,
    label_lines,
    layout_problems,
    matching_districts,
    read_layout,
    short_name,
)
from messages.glossary import default_glossary
from messages.i18n import LANGUAGES

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def glossary():
    return default_glossary()


@pytest.fixture(scope="module")
def layout(glossary):
    return district_layout(glossary)


def test_every_glossary_district_is_in_exactly_one_area_and_on_its_own_tile(glossary, layout):
    keys = [term.key for term in glossary.terms("district")]
    assert len(keys) == 38
    assert sorted(layout.districts) == sorted(keys)  # each once: no district left out, none twice
    assert sorted(layout.tiles) == sorted(keys)
    assert len(set(layout.tiles.values())) == 38
    assert [group.key for group in layout.groups] == [
        "urban_core",
        "fongshan_daliao",
        "gangshan_area",
        "northern_coast",
        "qishan_meinong_mountains",
    ]
    assert layout.group_of("lingya") == "urban_core" and layout.group_of("namasia") == "qishan_meinong_mountains"
    assert {"taoyuan", "namasia", "maolin"} <= set(layout.groups[-1].districts)  # the Indigenous districts


def test_a_layout_with_a_district_twice_missing_or_sharing_a_tile_is_refused(glossary, layout):
    keys = [term.key for term in glossary.terms("district")]
    first, *others = layout.groups
    broken = DistrictLayout(
        (DistrictGroup(first.key, (*first.districts, "fongshan")), *others[:-1]),
        {**layout.tiles, "lingya": layout.tiles["sanmin"], "atlantis": (20, 20)},
    )
    problems = "; ".join(layout_problems(broken, keys))
    assert "district fongshan is in 2 groups" in problems
    assert "district namasia is in no group" in problems
    assert "districts sanmin and lingya share the tile" in problems or "lingya and sanmin" in problems
    assert "atlantis has a tile but is no glossary district" in problems
    assert layout_problems(read_layout(), keys) == []


def test_the_tiles_keep_west_west_and_north_north(layout):
    """A tile map bends geography, but not the order: compared with the districts' representative points, rows
    rank like latitudes and columns like longitudes (Spearman's rho above 0.85)."""
    by_code = yaml.safe_load(POINTS_FILE.read_text(encoding="utf-8"))
    geocode = {term.key: term.geocode for term in default_glossary().terms("district")}
    points = {key: (by_code[geocode[key]]["lat"], by_code[geocode[key]]["lon"]) for key in layout.tiles}

    def rho(xs: list[float], ys: list[float]) -> float:
        def ranks(values: list[float]) -> list[float]:
            order = sorted(range(len(values)), key=values.__getitem__)
            result = [0.0] * len(values)
            for rank, index in enumerate(order):
                result[index] = rank
            return result

        rx, ry = ranks(xs), ranks(ys)
        n = len(xs)
        return 1 - 6 * sum((a - b) ** 2 for a, b in zip(rx, ry, strict=True)) / (n * (n * n - 1))

    keys = list(layout.tiles)
    assert rho([layout.tiles[k][0] for k in keys], [points[k][1] for k in keys]) > 0.85  # columns ~ longitude
    assert rho([-layout.tiles[k][1] for k in keys], [points[k][0] for k in keys]) > 0.85  # rows ~ latitude


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("三民", ["sanmin"]),
        ("sanmin", ["sanmin"]),
        ("Tam Dân", ["sanmin"]),  # Vietnamese
        ("tam dan", ["sanmin"]),  # without its accents
        ("ซานหมิน", ["sanmin"]),  # Thai
        ("ဆန်မင်", ["sanmin"]),  # Burmese
        ("សានមីន", ["sanmin"]),  # Khmer
        ("싼민", ["sanmin"]),  # Korean
        ("Fengshan", ["fongshan"]),  # Hanyu Pinyin, where the glossary's English is Wade-Giles-ish
        ("Qishan", ["qishan"]),
        ("旗", ["cijin", "qishan"]),
        ("那瑪夏", ["namasia"]),
        ("那玛夏", ["namasia"]),  # simplified characters
    ],
)
def test_the_filter_finds_a_district_by_its_name_in_any_language(glossary, layout, query, expected):
    assert matching_districts(glossary, layout, query) == expected


def test_an_empty_filter_shows_every_district_and_nonsense_shows_none(glossary, layout):
    assert matching_districts(glossary, layout, "  ") == layout.districts
    assert matching_districts(glossary, layout, "Atlantis") == []


def test_fold_drops_case_spaces_and_latin_accents_but_keeps_other_scripts_marks():
    assert fold("Quận Tam Dân") == "quantamdan"
    assert fold("Đại Liêu") == "dailieu"
    assert fold("ซานหมิน") == "ซานหมิน"  # Thai tone marks are letters' parts, not accents to drop


def test_a_tile_label_is_the_short_name_and_is_left_out_only_where_it_cannot_fit():
    assert short_name("เขตซานหมิน (Sanmin)") == "ซานหมิน"
    assert short_name("三民區") == "三民"
    assert short_name("Distrito ng Sanmin") == "Sanmin"
    assert short_name("Sanmin District") == "Sanmin"
    assert label_lines("三民") == (("三民",), 14.0)
    assert label_lines("Diêm Trình")[0] == ("Diêm", "Trình")  # two lines rather than a tiny one
    assert label_lines("ThisNameIsMuchTooLongForATile") is None


@pytest.fixture(scope="module")
def marked_svg(glossary, layout):
    names = district_names(glossary, layout, "zh-Hant")
    words = MapWords(title="高雄市 38 區示意圖", description="已標示：苓雅區、前鎮區。", lang="zh-Hant")
    return lxml.etree.fromstring(district_map_svg(layout, names, {"lingya", "cianjhen"}, words))


def test_the_map_has_38_tiles_and_marks_exactly_the_districts_asked(marked_svg):
    tiles = marked_svg.findall(f".//{SVG}g[@data-district]")
    assert len(tiles) == 38
    marked = sorted(tile.get("data-district") for tile in tiles if "marked" in tile.get("class").split())
    assert marked == ["cianjhen", "lingya"]
    labels = {tile.get("data-district"): "".join(tile.find(f"{SVG}text").itertext()) for tile in tiles}
    assert labels["lingya"] == "苓雅" and labels["namasia"] == "那瑪夏"


def test_the_map_is_an_image_named_by_its_title_and_description(marked_svg):
    assert marked_svg.get("role") == "img"
    title_id, desc_id = marked_svg.get("aria-labelledby").split()
    assert marked_svg.find(f"{SVG}title").get("id") == title_id
    assert marked_svg.find(f"{SVG}title").text == "高雄市 38 區示意圖"
    assert marked_svg.find(f"{SVG}desc").get("id") == desc_id
    assert marked_svg.get("lang") == "zh-Hant"


def test_the_console_map_is_hidden_from_screen_readers_and_labels_fit_or_go_in_every_language(glossary, layout):
    words = MapWords(title="Map", description="", lang="en")
    for code in LANGUAGES:
        names = district_names(glossary, layout, code)
        svg = lxml.etree.fromstring(district_map_svg(layout, names, set(), words, decorative=True))
        assert svg.get("aria-hidden") == "true" and svg.get("role") is None
        tiles = svg.findall(f".//{SVG}g[@data-district]")
        assert all(tile.find(f"{SVG}title").text == names[tile.get("data-district")] for tile in tiles)
        for tile in tiles:  # every label drawn is readable: 9 px or more
            text = tile.find(f"{SVG}text")
            assert text is None or float(text.get("font-size")) >= 9, code
        drawn = sum(tile.find(f"{SVG}text") is not None for tile in tiles)
        assert drawn >= 30, f"{code}: only {drawn} of 38 tiles labelled"
