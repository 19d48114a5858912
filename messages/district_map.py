"""Kaohsiung's 38 districts as officers pick them and as a schematic map shows them.

``messages/data/kaohsiung_district_map.yaml`` holds the groups the city talks about (urban core, Fengshan and
Daliao, ...) and one square tile per district placed roughly where the district lies. The console's district
picker and the public notice pages both draw the same server-rendered SVG from here: no boundary data, no
JavaScript needed to see it. The picker's type-to-filter box matches a district's name in any of the glossary's
languages and its romanisations; ``search_text`` is what the page hands the script, ``matching_districts`` the
same match on the server.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from messages.glossary import Glossary
from messages.i18n import LANGUAGES
from messages.yaml_files import safe_load

MAP_FILE = Path(__file__).resolve().parent / "data" / "kaohsiung_district_map.yaml"

TILE = 60  # a tile's side in SVG units
GAP = 4
PITCH = TILE + GAP
LABEL_MAX_PX = 14.0
LABEL_MIN_PX = 9.0  # below this a label is unreadable on a phone: the map goes without labels
LABEL_PADDING = 6.0

# A short label: the name without its parenthesised romanisation and without the word for "district" at
# either end ("เขตซานหมิน (Sanmin)" → "ซานหมิน", "三民區" → "三民", "Distrito ng Sanmin" → "Sanmin").
_PARENTHESES = re.compile(r"\s*[(（][^)）]*[)）]")
_LEADING_WORD = re.compile(r"^(district|quận|kecamatan|daerah|distrik|distrito ng|distrito|เขต|ខណ្ឌ|ស្រុក)\s*", re.I)
_TRAILING_WORD = re.compile(r"\s*(district|dist\.|區|区|구|မြို့နယ်|ခရိုင်)$", re.I)
# What the filter ignores in both the query and the names: case, width, spaces and punctuation.
_IGNORED = re.compile(r"[\s'’\-–—.,()（）|]+")


class DistrictMapError(ValueError):
    """The map's data file does not describe the glossary's districts: each once in a group, each on a tile."""


@dataclass(frozen=True)
class DistrictGroup:
    key: str
    districts: tuple[str, ...]


@dataclass(frozen=True)
class DistrictLayout:
    groups: tuple[DistrictGroup, ...]
    tiles: Mapping[str, tuple[int, int]]  # district key → (column, row), row 0 north

    @property
    def districts(self) -> list[str]:
        return [key for group in self.groups for key in group.districts]

    @property
    def size(self) -> tuple[int, int]:
        """The map's width and height in SVG units."""
        columns = max(column for column, _ in self.tiles.values()) + 1
        rows = max(row for _, row in self.tiles.values()) + 1
        return columns * PITCH - GAP, rows * PITCH - GAP

    def group_of(self, district: str) -> str:
        for group in self.groups:
            if district in group.districts:
                return group.key
        raise KeyError(district)


def layout_problems(layout: DistrictLayout, district_keys: Iterable[str]) -> list[str]:
    """Everything wrong with a layout for these districts; empty when each is in one group and on one tile."""
    known = list(district_keys)
    problems: list[str] = []
    grouped = layout.districts
    for key in sorted(set(grouped)):
        if grouped.count(key) > 1:
            problems.append(f"district {key} is in {grouped.count(key)} groups")
    problems += [f"district {key} is in no group" for key in known if key not in grouped]
    problems += [f"{key} is in a group but is no glossary district" for key in sorted(set(grouped) - set(known))]
    problems += [f"district {key} has no tile" for key in known if key not in layout.tiles]
    problems += [f"{key} has a tile but is no glossary district" for key in sorted(set(layout.tiles) - set(known))]
    cells: dict[tuple[int, int], str] = {}
    for key, cell in layout.tiles.items():
        if cell in cells:
            problems.append(f"districts {cells[cell]} and {key} share the tile {list(cell)}")
        cells[cell] = key
    return problems


def read_layout(path: Path = MAP_FILE) -> DistrictLayout:
    raw = safe_load(path.read_text(encoding="utf-8"))
    groups = tuple(DistrictGroup(str(key), tuple(map(str, keys))) for key, keys in raw["groups"].items())
    tiles = {str(key): (int(cell[0]), int(cell[1])) for key, cell in raw["tiles"].items()}
    return DistrictLayout(groups, tiles)


@lru_cache(maxsize=4)
def _checked_layout(path: Path, district_keys: tuple[str, ...]) -> DistrictLayout:
    layout = read_layout(path)
    problems = layout_problems(layout, district_keys)
    if problems:
        raise DistrictMapError(f"{path.name}: " + "; ".join(problems))
    return layout


def district_layout(glossary: Glossary, path: Path = MAP_FILE) -> DistrictLayout:
    """The layout, checked against the glossary's districts (read once)."""
    return _checked_layout(path, tuple(term.key for term in glossary.terms("district")))


# ----------------------------------------------------------------------------- names and the filter


def short_name(name: str) -> str:
    """A district's name as a tile shows it: no romanisation in brackets, no word for "district"."""
    shorter = _PARENTHESES.sub("", name).strip()
    shorter = _TRAILING_WORD.sub("", _LEADING_WORD.sub("", shorter)).strip()
    return shorter or name


def fold(text: str) -> str:
    """Text as the filter compares it: NFKC, lower case, no spaces or punctuation, Latin accents dropped
    ("Tam Dân" matches "tam dan"). The script in console.js folds the query the same way."""
    text = _IGNORED.sub("", unicodedata.normalize("NFKC", text).lower())
    # Only the combining marks of Latin-script accents (U+0300–U+036F): Thai, Burmese and Khmer marks stay.
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not 0x300 <= ord(c) <= 0x36F)
    return unicodedata.normalize("NFC", bare).replace("đ", "d")


def spellings(glossary: Glossary, key: str) -> set[str]:
    """Every way of writing a district the glossary knows: its key, English name, romanisations and its name in
    each language, with and without the word for "district"."""
    term = glossary.term("district", key)
    names = {term.key, term.english, *term.aliases}
    names.update(glossary.name("district", key, language) for language in LANGUAGES.values())
    names.update({short_name(name) for name in names} | {_PARENTHESES.sub("", name) for name in names})
    names.update(inner.strip("()（） ") for name in list(names) for inner in _PARENTHESES.findall(name))
    return {name for name in names if name.strip()}


def search_text(glossary: Glossary, key: str) -> str:
    """The folded spellings of a district, "|"-separated: a query matches when it is part of one of them."""
    return "|".join(sorted({fold(name) for name in spellings(glossary, key)} - {""}))


def matching_districts(glossary: Glossary, layout: DistrictLayout, query: str) -> list[str]:
    """The districts whose name in any language contains the query, in the layout's order; all for no query."""
    wanted = fold(query)
    if not wanted:
        return layout.districts
    return [key for key in layout.districts if any(wanted in name for name in search_text(glossary, key).split("|"))]


# ----------------------------------------------------------------------------- the SVG


def _em_width(text: str) -> float:
    """A line's rough width in ems: wide (CJK, Hangul) characters one em, combining marks nothing, Burmese and
    Khmer letters most of an em, others a bit over half."""
    width = 0.0
    for char in text:
        code = ord(char)
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        if unicodedata.east_asian_width(char) in ("W", "F"):
            width += 1.0
        elif 0x1000 <= code <= 0x109F:
            width += 0.85
        elif 0x1780 <= code <= 0x17FF:
            width += 0.75
        else:
            width += 0.6
    return width


def label_lines(label: str) -> tuple[tuple[str, ...], float] | None:
    """A tile's label as one line, or two where it has a space ("Diêm Trình"), and the font size it fits at;
    None when it would be too small to read."""
    words = label.split()
    candidates: list[tuple[str, ...]] = [(label,)]
    if len(words) > 1:
        middle = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
        candidates.append((" ".join(words[:middle]), " ".join(words[middle:])))
    best: tuple[tuple[str, ...], float] | None = None
    for lines in candidates:
        widest = max(_em_width(line) for line in lines) or 1.0
        size = min(LABEL_MAX_PX, (TILE - 2 * LABEL_PADDING) / widest, (TILE - 2 * LABEL_PADDING) / (1.25 * len(lines)))
        if size >= LABEL_MIN_PX and (best is None or size > best[1] + 0.5):
            best = (lines, round(size, 1))
    return best


@dataclass(frozen=True)
class MapWords:
    title: str  # what the map shows, its accessible name
    description: str  # the same as text: which districts are marked
    lang: str  # the language of the labels and names


def district_map_svg(
    layout: DistrictLayout,
    names: Mapping[str, str],
    marked: Collection[str],
    words: MapWords,
    *,
    svg_id: str = "district-map",
    decorative: bool = False,
) -> str:
    """The map as an inline SVG element, the marked districts filled in; ``names`` in the page's language.

    A public page's map is an image with a title and description (the list beside it is the real content);
    the console's is ``decorative`` (hidden from screen readers: its checkboxes say the same) and each tile
    carries ``data-district`` for the script that makes tiles clickable. Labels are left out when the
    name does not fit its tile at a readable size; each tile's tooltip still names it.
    """
    width, height = layout.size
    labels = {key: label_lines(short_name(names[key])) for key in layout.tiles}
    title_id, desc_id = f"{svg_id}-title", f"{svg_id}-desc"
    if decorative:
        opening = f'<svg id="{svg_id}" class="district-map" aria-hidden="true" focusable="false"'
    else:
        opening = f'<svg id="{svg_id}" class="district-map" role="img" aria-labelledby="{title_id} {desc_id}"'
    parts = [
        f'{opening} viewBox="0 0 {width} {height}" lang="{escape(words.lang)}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(words.title)}</title>',
        f'<desc id="{desc_id}">{escape(words.description)}</desc>',
    ]
    for group in layout.groups:
        parts.append(f'<g class="district-group" data-group="{group.key}">')
        for key in group.districts:
            column, row = layout.tiles[key]
            x, y = column * PITCH, row * PITCH
            state = " marked" if key in marked else ""
            parts.append(f'<g class="tile{state}" data-district="{key}"><title>{escape(names[key])}</title>')
            parts.append(f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="6"/>')
            label = labels[key]
            if label is not None:
                lines, size = label
                first = y + TILE / 2 - (len(lines) - 1) * size * 0.625
                spans = "".join(
                    f'<tspan x="{x + TILE / 2:g}" y="{first + i * size * 1.25:g}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines)
                )
                parts.append(
                    f'<text font-size="{size:g}" text-anchor="middle" dominant-baseline="central">{spans}</text>'
                )
            parts.append("</g>")
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def district_names(glossary: Glossary, layout: DistrictLayout, language: str) -> dict[str, str]:
    """Each district's name in a language, in the layout's order."""
    return {key: glossary.name("district", key, language) for key in layout.districts}
