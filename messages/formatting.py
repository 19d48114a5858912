"""Values written for a reader: numbers and lists by Babel; dates and times by messages.dates, in Asia/Taipei."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.lists import format_list
from babel.numbers import format_decimal

from messages.dates import format_date_for, format_datetime_for, format_time_for
from messages.glossary import WHOLE_CITY, Glossary, UnknownTerm
from messages.i18n import Catalogs, Language
from messages.kinds import Param, ParamType
from messages.names import NameBook, default_name_book
from messages.params import Name


def format_number_for(value: Decimal | int, language: Language, decimals: int | None = None) -> str:
    if decimals:
        return format_decimal(value, format="#,##0." + "0" * decimals, locale=language.locale)
    if decimals == 0:
        return format_decimal(value, format="#,##0", locale=language.locale)
    return format_decimal(value, locale=language.locale)


def format_list_for(items: list[str], language: Language) -> str:
    """Items joined with the language's own words for lists: "A, B and C", "A、B和C"."""
    if not items:
        return ""
    if not language.list_patterns or len(items) == 1:
        return format_list(items, style="standard", locale=language.locale)
    patterns: dict[str, str] = {**language.locale.list_patterns["standard"], **dict(language.list_patterns)}
    if len(items) == 2:
        return patterns["2"].format(*items)
    joined = patterns["start"].format(items[0], items[1])
    for item in items[2:-1]:
        joined = patterns["middle"].format(joined, item)
    return patterns["end"].format(joined, items[-1])


class ValueFormatter:
    """Formats one kind's typed parameter values for one language."""

    def __init__(self, catalogs: Catalogs, glossary: Glossary) -> None:
        self.catalogs = catalogs
        self.glossary = glossary
        self._names: NameBook | None = None

    @property
    def names(self) -> NameBook:
        if self._names is None:
            self._names = default_name_book(self.glossary)
        return self._names

    def enum_text(self, enum: str, value: str, english: str, language: Language) -> str:
        return self.catalogs.get(language).translate(f"enum.{enum}.{value}", english)

    def known_name(self, group: str, name: Name, generic: str | None = None) -> str | None:
        """The glossary key of a free name the group knows by its Latin or its Chinese form: a typhoon's name is
        written as each language's media write it (クラトーン, 끄라톤), not as the officer typed it.

        With the parameter's implied `generic`, the name with that generic written out is known too: the sign
        says 美麗島, an officer may type 美麗島站."""
        candidates = [name.latin, name.native]
        if generic and name.native.endswith(generic) and len(name.native) > len(generic):
            candidates.append(name.native[: -len(generic)])
        for text in candidates:
            if text:
                try:
                    return self.glossary.resolve(group, text)
                except UnknownTerm:
                    continue
        return None

    def name_text(self, param: Param, name: Name, language: Language) -> str:
        """A name from the parameter's glossary group when the group knows it (a station, a reservoir, a typhoon),
        else as the names layer writes any name."""
        key = self.known_name(param.group, name, param.generic) if param.group else None
        if key and param.group:
            return self.names.render_term(param.group, key, language)
        return self.names.render(name, language, generic=param.generic)

    def district_names(self, keys: list[str], language: Language, whole_city: str) -> list[str]:
        if WHOLE_CITY in keys:
            return [whole_city]
        return [self.glossary.name("district", key, language) for key in keys]

    def format(
        self, param: Param, value: Any, language: Language, *, enums: dict[str, dict[str, str]], whole_city: str
    ) -> str:
        match param.type:
            case ParamType.DISTRICTS:
                return format_list_for(self.district_names(value, language, whole_city), language)
            case ParamType.DISTRICT:
                return self.glossary.name("district", value, language)
            case ParamType.NAME:
                return self.name_text(param, value, language)
            case ParamType.NAMES:
                return format_list_for([self.name_text(param, v, language) for v in value], language)
            case ParamType.VILLAGES:
                return self.names.render_villages(
                    value, language, lambda items: format_list_for(items, language), grouped=param.within is None
                )
            case ParamType.ENUM:
                assert param.enum is not None  # the kind's loader refuses an enum parameter without its enum
                return self.enum_text(param.enum, value, enums[param.enum][value], language)
            case ParamType.GLOSSARY:
                assert param.group is not None  # the kind's loader refuses a glossary parameter without its group
                return self.glossary.name(param.group, value, language)
            case ParamType.GLOSSARY_LIST:
                group = param.group
                assert group is not None  # as above
                return format_list_for([self.glossary.name(group, v, language) for v in value], language)
            case ParamType.INT:
                return format_number_for(value, language, 0)
            case ParamType.NUMBER:
                return format_number_for(value, language, param.decimals)
            case ParamType.DATETIME:
                return format_datetime_for(value, language)
            case ParamType.DATE:
                return format_date_for(value, language)
            case ParamType.DATES:
                return format_list_for([format_date_for(d, language) for d in value], language)
            case ParamType.TIME:
                return format_time_for(value, language)
        raise AssertionError(f"unhandled parameter type {param.type}")
