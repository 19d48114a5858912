"""The districts a notice concerns, on its public page: a schematic map beside the list of their names.

The list is the content (the names the composer gave the notice, in the page's language); the map, drawn by
``messages.district_map``, is an image with a title and a description saying the same. A notice for the whole
city marks every tile.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.public.page_kit import PageTexts
from messages.district_map import MapWords, district_layout, district_map_svg, district_names
from messages.glossary import WHOLE_CITY, Glossary
from messages.localised import LocalisedNotice


@dataclass(frozen=True)
class DistrictFigure:
    names: tuple[str, ...]  # the list beside the map
    map_svg: str
    marked: frozenset[str]


def district_figure(glossary: Glossary, notice: LocalisedNotice, texts: PageTexts) -> DistrictFigure:
    layout = district_layout(glossary)
    whole_city = WHOLE_CITY in notice.districts
    marked = frozenset(layout.districts) if whole_city else frozenset(notice.districts) & set(layout.districts)
    names = district_names(glossary, layout, notice.language)
    description = (
        texts.district_map_all
        if whole_city
        else texts("district_map_marked", names=", ".join(names[key] for key in layout.districts if key in marked))
    )
    words = MapWords(title=texts.district_map_title, description=description, lang=notice.language)
    svg = district_map_svg(layout, names, marked, words, svg_id="district-map")
    return DistrictFigure(tuple(notice.area_names), svg, marked)
