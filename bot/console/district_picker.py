"""The compose form's district picker: checkboxes grouped by area, a group box for each area, and the map.

Without JavaScript it is plain checkboxes in one fieldset per area; a ticked area box stands for every district
of the area (``chosen_districts``). console.js adds the type-to-filter box, the tri-state area boxes, one Tab
stop per area with the arrow keys inside it, and clickable map tiles.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from messages.district_map import (
    DistrictLayout,
    MapWords,
    district_layout,
    district_map_svg,
    district_names,
    search_text,
)
from messages.glossary import WHOLE_CITY, Glossary

GROUP_SUFFIX = ".group"  # p.districts.group=urban_core: the whole area


@dataclass(frozen=True)
class DistrictOption:
    key: str
    name: str  # in the officer's console language
    search: str  # every spelling, folded, for the filter (messages.district_map.search_text)
    chosen: bool


@dataclass
class PickerGroup:
    key: str
    label: str
    options: list[DistrictOption] = field(default_factory=list)

    @property
    def all_chosen(self) -> bool:
        return all(option.chosen for option in self.options)


@dataclass
class DistrictPicker:
    groups: list[PickerGroup]
    whole_city: bool
    map_svg: str


def build_picker(
    glossary: Glossary,
    language: str,
    chosen: Collection[str],
    *,
    svg_id: str,
    label_for: Callable[[str], str],
    map_title: str,
) -> DistrictPicker:
    """The picker in the officer's ``language``; ``label_for`` names an area from its key."""
    layout = district_layout(glossary)
    names = district_names(glossary, layout, language)
    whole_city = WHOLE_CITY in chosen
    groups = [
        PickerGroup(
            group.key,
            label_for(group.key),
            [DistrictOption(key, names[key], search_text(glossary, key), key in chosen) for key in group.districts],
        )
        for group in layout.groups
    ]
    marked = set(layout.districts) if whole_city else set(chosen)
    words = MapWords(title=map_title, description="", lang=language)
    return DistrictPicker(
        groups, whole_city, district_map_svg(layout, names, marked, words, svg_id=svg_id, decorative=True)
    )


def chosen_districts(layout: DistrictLayout, form: MultiDict[str, str], name: str) -> list[str]:
    """The districts ticked, and every district of each area ticked as a whole, in the layout's order."""
    ticked = {value for value in form.getlist(name) if value}
    areas = set(form.getlist(name + GROUP_SUFFIX))
    for group in layout.groups:
        if group.key in areas:
            ticked.update(group.districts)
    ordered = [key for key in layout.districts if key in ticked]
    return ordered + sorted(ticked - set(ordered))  # an unknown value stays, for the checker to name
