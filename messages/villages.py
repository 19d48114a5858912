"""Kaohsiung's villages (里), each in its district, checked against the Ministry of the Interior's table.

Many village names recur across districts (復興里 is in five), so a notice's villages carry their
district: officers write "桃源區勤和里、復興里" (a village without a district belongs to the one before
it, or to the notice's only district that has it), and every language writes them grouped by district.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from messages.glossary import WHOLE_CITY, Glossary, UnknownTerm
from messages.refusal import Problem, Unreadable

VILLAGES_FILE = Path(__file__).resolve().parent / "data" / "kaohsiung_villages.tsv"
_SEPARATORS = ("/", ":", "：")


@dataclass(frozen=True)
class Village:
    district: str  # glossary key
    district_native: str  # 桃源區
    name: str  # 勤和里
    romanised: str | None = None  # the ministry's spelling of the proper part: Qinhe

    def __str__(self) -> str:
        return f"{self.district_native}{self.name}"


class VillageList(list[Village]):
    """A notice's villages, and the notice's districts none of them is in: those leave as a whole, and the
    text says so rather than leave the reader to guess (桃源區勤和里、復興里；那瑪夏區全區)."""

    def __init__(self, villages: Iterable[Village] = (), whole_districts: Iterable[str] = ()) -> None:
        super().__init__(villages)
        self.whole_districts = tuple(whole_districts)


class VillageTable:
    """Every village of Kaohsiung by district, from ``messages/data/kaohsiung_villages.tsv``."""

    def __init__(self, glossary: Glossary, path: Path = VILLAGES_FILE) -> None:
        self.glossary = glossary
        keys = {glossary.name("district", term.key, "zh-Hant"): term.key for term in glossary.terms("district")}
        self.district_keys = keys
        self.by_name: dict[str, list[Village]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            _code, district_native, name, romanised = (line.split("\t") + [""])[:4]
            village = Village(keys[district_native], district_native, name, romanised.strip() or None)
            self.by_name.setdefault(name, []).append(village)

    @staticmethod
    def default(glossary: Glossary) -> VillageTable:
        return _default_table(glossary)

    def find(self, name: str, district: str | None) -> Village | None:
        """The village of that name in that district; without a district, the only one of that name."""
        found = [v for v in self.by_name.get(name, []) if district is None or v.district == district]
        return found[0] if len(found) == 1 else None

    def _district(self, text: str) -> str:
        try:
            return self.glossary.resolve("district", text)
        except UnknownTerm:
            raise Unreadable(
                Problem(f"{text!r} is not a district of Kaohsiung", "unknown_district", value=text)
            ) from None

    def _split(self, raw: Any) -> tuple[str | None, str]:
        """(district key or None, village name) as the officer wrote them."""
        if isinstance(raw, Mapping):
            district = raw.get("district")
            name = str(raw.get("village") or raw.get("name") or "").strip()
            return (self._district(str(district)) if district else None), name
        text = str(raw).partition("|")[0].strip()  # "勤和里|Qinhe Village": the Latin part is ours to write
        for separator in _SEPARATORS:
            district, found, name = text.partition(separator)
            if found:
                return self._district(district.strip()), name.strip()
        for native in sorted(self.district_keys, key=len, reverse=True):
            if text.startswith(native) and len(text) > len(native):
                return self.district_keys[native], text[len(native) :]
        return None, text

    def parse(self, values: Iterable[Any], notice_districts: list[str]) -> list[Village]:
        """Villages for what an officer wrote; raises ValueError naming the first that is not one."""
        allowed = None if not notice_districts or WHOLE_CITY in notice_districts else set(notice_districts)
        villages: list[Village] = []
        for raw in values:
            district, name = self._split(raw)
            if name and not name.endswith("里") and name + "里" in self.by_name:
                name += "里"
            candidates = self.by_name.get(name, [])
            if not candidates:
                raise Unreadable(Problem(f"{name!r} is not a village of Kaohsiung", "village.unknown", village=name))
            if district is None:
                village = self._guess(name, candidates, villages[-1].district if villages else None, allowed)
            else:
                in_district = next((v for v in candidates if v.district == district), None)
                if in_district is None:
                    where = "、".join(v.district_native for v in candidates)
                    native = self.glossary.name("district", district, "zh-Hant")
                    raise Unreadable(
                        Problem(
                            f"{name} is not in {native} (a {name} is in {where})",
                            "village.other_district",
                            village=name,
                            district=native,
                            where=where,
                        )
                    )
                village = in_district
            if allowed is not None and village.district not in allowed:
                raise Unreadable(
                    Problem(f"{village} is outside this notice's districts", "village.outside", village=str(village))
                )
            if village not in villages:
                villages.append(village)
        return villages

    @staticmethod
    def _guess(name: str, candidates: list[Village], previous: str | None, allowed: set[str] | None) -> Village:
        if previous is not None:
            same = [v for v in candidates if v.district == previous]
            if same:
                return same[0]
        if allowed is not None:
            candidates = [v for v in candidates if v.district in allowed]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise Unreadable(Problem(f"{name} is not in this notice's districts", "village.outside", village=name))
        where = "、".join(str(v) for v in candidates)
        raise Unreadable(
            Problem(
                f"there is a {name} in several districts ({where}): write it with its district",
                "village.ambiguous",
                village=name,
                where=where,
            )
        )


@lru_cache(maxsize=4)
def _default_table(glossary: Glossary) -> VillageTable:
    return VillageTable(glossary)
