"""Reading the national evacuation-shelter list (避難收容處所點位檔, data.gov.tw dataset 73242) and checking each row.

The file is UTF-8 with a byte-order mark, a header of 15 columns in a fixed order, and cells quoted where they hold
commas (適用災害類別 lists several disaster types in one cell). Everything is read and checked before anything is
stored, so a file that turns out to be unreadable half-way changes nothing.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.shelters.geo import distance_m
from messages.cap_geography import Places
from messages.glossary import Glossary, UnknownTerm

COLUMNS = (
    "序號",
    "縣市及鄉鎮市區",
    "村里",
    "避難收容處所地址",
    "經度",
    "緯度",
    "避難收容處所名稱",
    "預計收容村里",
    "預計收容人數",
    "適用災害類別",
    "管理人姓名",
    "管理人電話",
    "室內",
    "室外",
    "適合避難弱者安置",
)
HAZARD_WORDS = {
    "水災": "flood",
    "震災": "earthquake",
    "地震": "earthquake",
    "土石流": "debris_flow",
    "海嘯": "tsunami",
    "核子事故": "nuclear",
    "核災": "nuclear",
}
# Kaohsiung's mainland rounded outward by about 2 km: from Linyuan's coast (22.47° N) to Namasia and Taoyuan at
# Yushan (23.47° N), from Qieding's coast (120.17° E) to Taoyuan's eastern ridge (121.04° E). The islands Cijin
# District administers in the South China Sea (Dongsha, Taiping) are outside: no resident there uses the bot.
LAT_RANGE = (22.44, 23.49)
LON_RANGE = (120.15, 121.06)
# A stadium holds a few thousand evacuees; a number far above that is a typing error (an extra digit, a phone
# number in the wrong column), and residents would be told of room that is not there.
MAX_CAPACITY = 20_000
# A point this far from its district's representative point, and nearer another district's, is probably misplaced
# (or the district is): it is imported, and reported so an officer can check it.
DISTRICT_REACH_KM = 12.0
_SPLIT = re.compile(r"[,，、;；/\s]+")
_YES = {"是", "y", "yes", "v", "1", "true", "有", "○", "o"}
_NO = {"否", "n", "no", "0", "false", "無", "x", "×"}


class ShelterFileError(Exception):
    """The file cannot be imported at all (missing, not UTF-8, not the shelter list's header)."""


@dataclass
class ShelterRow:
    """One good row, as it will be stored."""

    line: int
    serial: str
    county: str
    town: str
    district: str
    village: str
    name: str
    address: str
    lat: float
    lon: float
    villages_served: str
    capacity: int | None
    hazards: list[str]
    manager_name: str | None
    manager_phone: str | None
    indoor: bool | None
    outdoor: bool | None
    vulnerable_ok: bool | None


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str
    refused: bool  # True: the row is not imported; False: imported, with this reported
    other_county: str | None = None  # the county of a row skipped for not being Kaohsiung's

    def __str__(self) -> str:
        verdict = "skipped" if self.other_county else "refused" if self.refused else "imported"
        return f"line {self.line}: {verdict}: {self.reason}"


@dataclass
class ShelterFile:
    rows: list[ShelterRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # Identities of refused Kaohsiung rows whose shelter can still be named: an import keeps what it knew of them
    # rather than treating them as no longer listed.
    refused_identities: set[tuple[str, str, str, str]] = field(default_factory=set)


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) per record, after checking the header."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ShelterFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise ShelterFileError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise ShelterFileError(f"{path}: the file is empty")
            found = tuple(cell.strip() for cell in header)
            if found != COLUMNS:
                raise ShelterFileError(f"{path}: not the shelter list's header: {_header_difference(found)}")
            while True:
                start = reader.line_num + 1
                try:
                    record = next(reader)
                except StopIteration:
                    return
                if any(cell.strip() for cell in record):
                    yield start, record
        except UnicodeDecodeError as exc:
            raise ShelterFileError(
                f"{path}: not UTF-8 (byte {exc.start} of a read block): the list is published in "
                "UTF-8; a file saved as Big5 must be saved again as UTF-8"
            ) from None
        except csv.Error as exc:
            raise ShelterFileError(f"{path}: line {reader.line_num}: not CSV: {exc}") from None


def _header_difference(found: tuple[str, ...]) -> str:
    if len(found) != len(COLUMNS):
        return f"{len(found)} columns, expected {len(COLUMNS)} ({', '.join(COLUMNS)})"
    index = next(i for i, (a, b) in enumerate(zip(found, COLUMNS, strict=True)) if a != b)
    return f"column {index + 1} is {found[index]!r}, expected {COLUMNS[index]!r}"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _in_bounds(lat: float, lon: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def _coordinates(lon_text: str, lat_text: str) -> tuple[float, float] | str:
    """(lat, lon), or why the row cannot be placed on a map."""
    if not lon_text and not lat_text:
        return "no coordinates (經度 and 緯度 are empty)"
    if not lon_text or not lat_text:
        return f"{'經度 (longitude)' if not lon_text else '緯度 (latitude)'} is empty"
    lon, lat = _number(lon_text), _number(lat_text)
    if lon is None or lat is None:
        bad = lon_text if lon is None else lat_text
        return f"{'經度' if lon is None else '緯度'} {bad!r} is not a number"
    if not _in_bounds(lat, lon):
        if _in_bounds(lon, lat):
            return f"經度 and 緯度 are swapped (經度 {lon_text}, 緯度 {lat_text}): not placed on the map"
        return (
            f"({lat_text}, {lon_text}) is outside Kaohsiung ({LAT_RANGE[0]}–{LAT_RANGE[1]}° N, "
            f"{LON_RANGE[0]}–{LON_RANGE[1]}° E)"
        )
    return lat, lon


def _capacity(text: str) -> tuple[int | None, str | None]:
    cleaned = text.replace(",", "").replace("，", "").strip()
    if not cleaned:
        return None, None
    try:
        value = int(cleaned)
    except ValueError:
        return None, f"預計收容人數 {text!r} is not a number: imported without a capacity"
    if not 1 <= value <= MAX_CAPACITY:
        return None, f"預計收容人數 {value} is not plausible (1–{MAX_CAPACITY}): imported without a capacity"
    return value, None


def _hazards(text: str) -> tuple[list[str], list[str]]:
    hazards: list[str] = []
    unknown: list[str] = []
    for word in filter(None, _SPLIT.split(text.strip())):
        hazard = HAZARD_WORDS.get(word)
        if hazard is None:
            unknown.append(word)
        elif hazard not in hazards:
            hazards.append(hazard)
    return hazards, unknown


def _flag(text: str) -> bool | None:
    value = text.strip().lower()
    return True if value in _YES else False if value in _NO else None


class RowChecker:
    """Checks rows against the glossary's districts and their representative points."""

    def __init__(self, glossary: Glossary, places: Places) -> None:
        self.glossary = glossary
        self.places = places

    def district_of(self, town: str) -> str | None:
        try:
            return self.glossary.resolve("district", town)
        except UnknownTerm:
            return None

    def _misplaced(self, district: str, lat: float, lon: float) -> str | None:
        own = self.places.district(self.glossary.term("district", district).geocode or "")
        nearest = min(self.places.districts, key=lambda d: distance_m(lat, lon, d.lat, d.lon))
        distance = distance_m(lat, lon, own.lat, own.lon) / 1000
        if nearest.code != own.code and distance > DISTRICT_REACH_KM:
            return (
                f"({lat}, {lon}) lies {distance:.0f} km from {own.name}'s centre and nearer {nearest.name}'s: "
                "check its coordinates or district"
            )
        return None

    def check(self, line: int, cells: list[str], into: ShelterFile) -> None:
        if len(cells) != len(COLUMNS):
            into.problems.append(RowProblem(line, f"{len(cells)} fields, expected {len(COLUMNS)}", refused=True))
            return
        (
            serial,
            county_town,
            village,
            address,
            lon_text,
            lat_text,
            name,
            served,
            capacity_text,
            hazard_text,
            manager_name,
            manager_phone,
            indoor,
            outdoor,
            vulnerable,
        ) = (cell.strip() for cell in cells)
        county, town = county_town[:3], county_town[3:]  # county names are three characters: 高雄市, 臺南市
        if not self.places.is_kaohsiung_name(county):
            into.problems.append(
                RowProblem(
                    line,
                    f"{county_town or '(no county)'} is not in Kaohsiung",
                    refused=True,
                    other_county=county or "(no county)",
                )
            )
            return
        district = self.district_of(town) if town else None
        if district is None:
            into.problems.append(RowProblem(line, f"{county_town!r} names no Kaohsiung district", refused=True))
            return
        if not name:
            into.problems.append(RowProblem(line, "no shelter name (避難收容處所名稱 is empty)", refused=True))
            return
        place = _coordinates(lon_text, lat_text)
        if isinstance(place, str):
            into.problems.append(RowProblem(line, f"{name}: {place}", refused=True))
            into.refused_identities.add((county, town, name, address))
            return
        lat, lon = place
        notes = [note for note in (self._misplaced(district, lat, lon),) if note]
        capacity, capacity_note = _capacity(capacity_text)
        hazards, unknown = _hazards(hazard_text)
        if capacity_note:
            notes.append(capacity_note)
        if unknown:
            notes.append(f"unknown 適用災害類別 {', '.join(unknown)} left out (known: {', '.join(HAZARD_WORDS)})")
        into.problems.extend(RowProblem(line, f"{name}: {note}", refused=False) for note in notes)
        into.rows.append(
            ShelterRow(
                line=line,
                serial=serial,
                county=county,
                town=town,
                district=district,
                village=village,
                name=name,
                address=address,
                lat=lat,
                lon=lon,
                villages_served=served,
                capacity=capacity,
                hazards=hazards,
                manager_name=manager_name or None,
                manager_phone=manager_phone or None,
                indoor=_flag(indoor),
                outdoor=_flag(outdoor),
                vulnerable_ok=_flag(vulnerable),
            )
        )


def read_shelter_file(path: Path, checker: RowChecker) -> ShelterFile:
    """Every record of the file, checked; raises ShelterFileError when the file as a whole is unusable."""
    result = ShelterFile()
    for line, cells in _records(path):
        checker.check(line, cells, result)
    return result
