"""The districts a notice concerns, on its console page: the schematic map with them marked, and their names
listed beside it, in the officer's language (the public page's figure, ``bot.public.district_figure``, in the
console's words)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.console.auth import services
from bot.console.ui import translate, ui_language
from messages.district_map import MapWords, district_layout, district_map_svg, district_names
from messages.glossary import WHOLE_CITY
from messages.models import Notice


@dataclass(frozen=True)
class NoticeDistricts:
    names: tuple[str, ...]  # the list beside the map, in the layout's order
    whole_city: bool
    map_svg: str


def notice_districts(notice: Notice) -> NoticeDistricts:
    glossary = services().glossary
    layout = district_layout(glossary)
    language = ui_language()
    names = district_names(glossary, layout, language)
    whole_city = WHOLE_CITY in (notice.districts or [])
    marked = set(layout.districts) if whole_city else set(notice.districts or []) & set(layout.districts)
    listed = tuple(names[key] for key in layout.districts if key in marked)
    separator = "、" if language == "zh-Hant" else ", "
    description = (
        translate("notice_map.all") if whole_city else translate("notice_map.marked", names=separator.join(listed))
    )
    words = MapWords(title=translate("notice_map.title", id=notice.id), description=description, lang=language)
    svg = district_map_svg(layout, names, marked, words, svg_id="notice-district-map")
    return NoticeDistricts(listed, whole_city, svg)
