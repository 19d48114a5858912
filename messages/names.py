"""Taiwanese names outside the glossary, written in each language: "Desa Qinhe (勤和里)", "친허리(勤和里)".

A name is read into parts (``messages/data/names.yaml`` explains how): a leading district, a generic part
(里, 國中, 路, 號 ...) with what it names, and a proper part. Each language writes the generic part in
its own words and the proper part in its own script (``messages/transcription.py``), and the original
漢字 follow in brackets so that a resident can match the sign. Everything a language does differently is
in the data files: no branch here names a language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from messages.glossary import Glossary
from messages.i18n import Language
from messages.params import Name
from messages.transcription import transcribe
from messages.villages import Village, VillageTable
from messages.yaml_files import safe_load

NAMES_FILE = Path(__file__).resolve().parent / "data" / "names.yaml"
_HAN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HAN_NUMBER = "[一二三四五六七八九十]+"
RANGE_WORD = "至"
# A proper part is a few Han characters; anything longer or with digits is a phrase, not a name.
_PROPER = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{1,6}")
VILLAGE = "里"  # the generic whose proper part the villages table spells officially


def han_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23 (road and section numbers)."""
    if "十" not in text:
        return _HAN_DIGITS[text]
    tens, _, units = text.partition("十")
    return (_HAN_DIGITS[tens] if tens else 1) * 10 + (_HAN_DIGITS[units] if units else 0)


@dataclass(frozen=True)
class Generic:
    key: str
    suffix: str
    number: str | None  # "han" (中正一路), "digits" (128號) or None
    alone: bool  # may follow a district directly (三民區公所)
    patterns: dict[str, str]

    def match(self, text: str) -> tuple[str, str] | None:
        """(what the generic names, the number as written) when the text ends with this generic."""
        if self.number:
            digits = _HAN_NUMBER if self.number == "han" else r"\d+"
            found = re.fullmatch(rf"(.+?)({digits}){re.escape(self.suffix)}", text)
            return (found.group(1), found.group(2)) if found else None
        if text.endswith(self.suffix) and len(text) > len(self.suffix):
            return text[: -len(self.suffix)], ""
        return None


# The parts a name is read into.
@dataclass(frozen=True)
class Proper:
    text: str
    official: str | None = None  # Taiwan's own romanisation, where it differs from plain Hanyu Pinyin


@dataclass(frozen=True)
class DistrictPart:
    key: str


@dataclass(frozen=True)
class GenericPart:
    generic: Generic
    inner: Any
    number: str = ""


@dataclass(frozen=True)
class Located:
    district: str
    inner: Any


@dataclass(frozen=True)
class Span:
    start: Any
    end: Any


@dataclass(frozen=True)
class Layout:
    """How one language writes names (the `languages` entry of names.yaml)."""

    script: str
    bracket: str
    locator: str
    villages: str
    group_join: str
    range: str
    whole: str  # a district that leaves (or is cut off) as a whole, beside others' villages
    village_join: str | None = None
    ordinals: dict[str, str] | None = None

    def ordinal(self, number: int) -> str:
        if not self.ordinals:
            return str(number)
        return self.ordinals.get(str(number), self.ordinals["other"]).replace("{n}", str(number))


def _fill(pattern: str, **values: str) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), pattern)


class NameBook:
    """Reads names into parts and writes them in each language."""

    def __init__(
        self, glossary: Glossary, *, data_file: Path | None = None, villages: VillageTable | None = None
    ) -> None:
        with (data_file or NAMES_FILE).open(encoding="utf-8") as handle:
            raw = safe_load(handle)
        self.glossary = glossary
        self.villages = villages or VillageTable.default(glossary)
        self.layouts = {code: Layout(**spec) for code, spec in raw["languages"].items()}
        generics = [
            Generic(
                key=key,
                suffix=spec.get("suffix", key),
                number=spec.get("number"),
                alone=bool(spec.get("alone")),
                patterns={k: v for k, v in spec.items() if k not in ("suffix", "number", "alone")},
            )
            for key, spec in raw["generics"].items()
        ]
        # Longest suffix first (民眾活動中心 before 活動中心); a numbered form before the plain one.
        self.generics = sorted(generics, key=lambda g: (-len(g.suffix), g.number is None))
        self._districts = {
            self.glossary.name("district", term.key, "zh-Hant"): term.key for term in self.glossary.terms("district")
        }
        self.implied = tuple(raw.get("implied", ()))
        self.signed_groups = frozenset(raw.get("signed_groups", ()))

    # ------------------------------------------------------------------ reading

    def parse(self, text: str, *, district: str | None = None) -> Any:
        """The parts of a name in Traditional Chinese; `district` helps spell a village officially."""
        for implied in self.implied:
            if text.startswith(implied) and len(text) > len(implied):
                text = text[len(implied) :]
        start, sep, end = text.partition(RANGE_WORD)
        if sep and start and end:
            parts = self.parse(start, district=district), self.parse(end, district=district)
            return None if None in parts else Span(*parts)
        for native, key in sorted(self._districts.items(), key=lambda item: -len(item[0])):
            rest = text[len(native) :]
            if text.startswith(native) and rest:
                alone = next((g for g in self.generics if g.alone and not g.number and g.suffix == rest), None)
                if alone:
                    return GenericPart(alone, DistrictPart(key))  # 三民區|民眾活動中心, 三民區|公所
                inner = self._generic_part(rest, district=key)
                return None if inner is None else Located(key, inner)
        if text in self._districts:
            return DistrictPart(self._districts[text])
        return self._generic_part(text, district=district)

    def _generic_part(self, text: str, *, district: str | None) -> Any:
        """The parts of a name without a leading district, or None when it does not read as a name."""
        for generic in self.generics:
            found = generic.match(text)
            if found is None:
                continue
            inner_text, number = found
            if inner_text in self._districts and generic.alone:
                return GenericPart(generic, DistrictPart(self._districts[inner_text]), number)
            if generic.suffix == VILLAGE and _PROPER.fullmatch(inner_text) and not self._has_generic(inner_text):
                village = self.villages.find(text, district)
                return GenericPart(generic, Proper(inner_text, village.romanised if village else None))
            inner = self._generic_part(inner_text, district=district)
            if inner is not None:
                return GenericPart(generic, inner, number)
        if text in self._districts:
            return DistrictPart(self._districts[text])
        # A phrase ("南南東方25.0公里") is not a proper part: the caller writes it as it was given.
        return Proper(text) if _PROPER.fullmatch(text) else None

    def generic(self, key: str) -> Generic:
        return next(g for g in self.generics if g.key == key)

    def _has_generic(self, text: str) -> bool:
        return any(generic.match(text) for generic in self.generics)

    # ------------------------------------------------------------------ writing

    def layout(self, language: Language) -> Layout:
        return self.layouts[language.code]

    def _write(self, part: Any, language: Language) -> str:
        layout = self.layout(language)
        match part:
            case Proper(text=text, official=official):
                return official if official and layout.script == "pinyin" else transcribe(text, layout.script)
            case DistrictPart(key=key):
                return self.glossary.name("district", key, language)
            case Located(district=key, inner=inner):
                return _fill(
                    layout.locator,
                    place=self.glossary.name("district", key, language),
                    name=self._write(inner, language),
                )
            case Span(start=start, end=end):
                return _fill(layout.range, **{"from": self._write(start, language), "to": self._write(end, language)})
            case GenericPart(generic=generic, inner=inner, number=number):
                value = han_number(number) if generic.number == "han" else int(number or 0)
                return _fill(
                    generic.patterns[language.code],
                    name=self._write(inner, language),
                    number=str(value),
                    ordinal=layout.ordinal(value),
                    han_number=number,
                )
        raise AssertionError(f"unknown name part {part!r}")

    def _with_original(self, written: str, native: str, language: Language) -> str:
        layout = self.layout(language)
        if not layout.bracket or written == native:
            return written
        return _fill(layout.bracket, name=written, original=native)

    def render_term(self, group: str, key: str, language: Language) -> str:
        """A glossary term as the language names it; for a place on a sign (a station, a reservoir, a river:
        `signed_groups`), its 漢字 follow as they do for any name, "Formosa Boulevard Station (美麗島)"."""
        written = self.glossary.name(group, key, language)
        if group not in self.signed_groups:
            return written
        native = self.glossary.name(group, key, "zh-Hant")
        if native in written:  # Japanese 美麗島駅 already shows the sign's characters
            return written
        return self._with_original(written, native, language)

    def render(self, name: Name, language: Language, *, district: str | None = None, generic: str | None = None) -> str:
        """A name as the language writes it, with its 漢字 in brackets where they differ.

        `generic` is the kind of place a name without a generic part is (美麗島 is a station, 站)."""
        layout = self.layout(language)
        if layout.script in ("native", "hans"):
            return transcribe(name.native, layout.script)
        implied = self.generic(generic) if generic else None
        if implied and _has_han(name.native) and not name.native.endswith(implied.suffix):
            # The whole name is the proper part (the station 中央公園 is not a park), and the officer's
            # Latin form is the place's own English name (Formosa Boulevard), not pinyin.
            part: Any = GenericPart(implied, Proper(name.native, name.latin))
        else:
            part = self.parse(name.native, district=district) if _has_han(name.native) else None
        if name.latin and language.latin_names and (part is None or isinstance(part, Proper)):
            # No generic part: a typhoon's international name, a bus route, a phrase the officer also wrote
            # in Latin letters. That form serves every language that reads them.
            return name.latin
        if part is None:
            return name.native  # not a name (a code, a phrase): as it was given
        if name.latin and layout.script == "pinyin":
            part = _with_official(part, name.latin)
        return self._with_original(self._write(part, language), name.native, language)

    def render_villages(
        self, villages: Iterable[Village], language: Language, join: Callable[[list[str]], str], *, grouped: bool = True
    ) -> str:
        """Villages grouped under their district: "桃源區勤和里、復興里", "타오위안구 친허리(勤和里), 푸싱리(復興里)".

        Without `grouped`, the villages alone (the sentence names their district)."""
        layout = self.layout(language)
        groups: dict[str, list[str]] = {}
        for village in villages:
            groups.setdefault(village.district, []).append(
                self.render(Name(village.name), language, district=village.district)
            )
        written = []
        for district, names in groups.items():
            listed = layout.village_join.join(names) if layout.village_join else join(names)
            written.append(
                _fill(layout.villages, district=self.glossary.name("district", district, language), villages=listed)
                if grouped
                else listed
            )
        for district in getattr(villages, "whole_districts", ()):
            written.append(_fill(layout.whole, district=self.glossary.name("district", district, language)))
        return layout.group_join.join(written)


def _has_han(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


def _with_official(part: Any, latin: str) -> Any:
    """The officer's Latin form as the proper part's spelling, when it is the English pattern around it:
    "Taoyuan Junior High School" spells 桃源 Taoyuan."""
    if not isinstance(part, GenericPart) or not isinstance(part.inner, Proper):
        return part
    pattern = part.generic.patterns.get("en", "")
    regex = re.escape(pattern).replace(re.escape("{name}"), "(?P<name>.+?)")
    regex = re.sub(r"\\\{(ordinal|number|han_number)\\\}", r"\\S+", regex)
    found = re.fullmatch(regex, latin.strip(), flags=re.IGNORECASE)
    if not found:
        return part
    return GenericPart(part.generic, Proper(part.inner.text, found.group("name")), part.number)


@lru_cache(maxsize=4)
def default_name_book(glossary: Glossary) -> NameBook:
    return NameBook(glossary)
