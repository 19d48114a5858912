"""Where a Taiwanese CAP alert applies, in Kaohsiung's districts.

The national platform describes areas in three ways, often mixed: administrative geocodes (four editions of the
Ministry of the Interior's code table, county, town and village codes), circles and polygons, and the free text
of ``<areaDesc>``. ``Places`` holds the shipped data that turns all of them into Kaohsiung district codes (the
7-digit town codes, the glossary's ``geocode``): ``messages/data/taiwan_geocodes.yaml`` and
``messages/data/kaohsiung_district_points.yaml``. Everything here is pure: the files are read once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from messages.cap_read import CapArea
from messages.yaml_files import safe_load

DATA_DIR = Path(__file__).resolve().parent / "data"
GEOCODES_FILE = DATA_DIR / "taiwan_geocodes.yaml"
POINTS_FILE = DATA_DIR / "kaohsiung_district_points.yaml"

EARTH_RADIUS_KM = 6371.0
# A circle this small marks a site (a school car park, a blood-donation van), not a region: when it holds no
# district's point, the site lies in the district whose point is nearest, if that is near enough.
SITE_RADIUS_KM = 2.0
SITE_REACH_KM = 8.0
# Taiwan and its islands, generously: circles and polygons outside are drills' dummies (``1,1 0.01``).
_TAIWAN_LAT = (20.0, 27.0)
_TAIWAN_LON = (116.0, 123.5)

_VILLAGE_103 = re.compile(r"^(\d{7})-?\d{3}$")  # 6400500-001 (also seen without the hyphen)
_VILLAGE_107 = re.compile(r"^(\d{8})\d{3}$")  # 64000050001
_WHOLE_AREA = re.compile(r"^[\s\-–—、,，:：()（）]*(全區|全市|全境|全部|地區|境內|轄區)?[\s\-–—、,，:：()（）]*$")
_SEPARATORS = "\\s\\-–—、,，:：;；()（）/"

BEARINGS = {
    "北": "n",
    "北北東": "nne",
    "東北": "ne",
    "東北東": "ene",
    "東": "e",
    "東南東": "ese",
    "東南": "se",
    "南南東": "sse",
    "南": "s",
    "南南西": "ssw",
    "西南": "sw",
    "西南西": "wsw",
    "西": "w",
    "西北西": "wnw",
    "西北": "nw",
    "北北西": "nnw",
}
_EPICENTRE = re.compile(
    r"^(?:即?在|位於)?(?P<seat>\S{2,4}?[縣市]政府)\s*(?P<bearing>"
    + "|".join(sorted(BEARINGS, key=len, reverse=True))
    + r")方?\s*(?:約\s*)?(?P<km>\d+(?:\.\d+)?)\s*(?:公里|km)\s*(?:[(（][^)）]*[)）])?$",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters) and 臺 for 台: the platform's senders write both."""
    return unicodedata.normalize("NFKC", text).replace("台", "臺").strip()


@dataclass(frozen=True)
class District:
    code: str  # 100/103/106 town code, the glossary's geocode
    code_107: str
    name: str  # 鹽埕區
    lat: float
    lon: float
    coastal: bool

    @property
    def base_name(self) -> str:
        return self.name[:-1]


@dataclass(frozen=True)
class County:
    code: str
    code_107: str
    name: str
    seats: tuple[str, ...]
    quake_reference: str
    former: tuple[str, ...] = ()
    former_code: str | None = None


@dataclass(frozen=True)
class Epicentre:
    reference: str  # a key of the glossary group quake_reference
    bearing: str  # a compass_point enum value
    km: float


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def _in_taiwan(lat: float, lon: float) -> bool:
    return _TAIWAN_LAT[0] <= lat <= _TAIWAN_LAT[1] and _TAIWAN_LON[0] <= lon <= _TAIWAN_LON[1]


def parse_circle(text: str) -> tuple[float, float, float] | None:
    """``"lat,lon radius_km"`` as (lat, lon, radius), or None when it is not one."""
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*", text)
    if not match:
        return None
    lat, lon, radius = (float(part) for part in match.groups())
    return lat, lon, radius


def parse_polygon(text: str) -> list[tuple[float, float]] | None:
    """``"lat,lon lat,lon ..."`` as a list of (lat, lon), or None when it is not a polygon."""
    points: list[tuple[float, float]] = []
    for pair in text.split():
        lat_text, _, lon_text = pair.partition(",")
        try:
            points.append((float(lat_text), float(lon_text)))
        except ValueError:
            return None
    return points if len(points) >= 3 else None


def _inside(lat: float, lon: float, polygon: list[tuple[float, float]]) -> bool:
    """Ray casting; Taiwan's polygons are small enough to treat degrees as a plane."""
    inside = False
    for (lat1, lon1), (lat2, lon2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (lat1 > lat) != (lat2 > lat):
            crossing = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < crossing:
                inside = not inside
    return inside


def _distance_to_polygon_km(lat: float, lon: float, polygon: list[tuple[float, float]]) -> float:
    """Distance from a point to a polygon's outline, on a local plane around the point."""
    scale_lon = 111.2 * math.cos(math.radians(lat))

    def plane(p: tuple[float, float]) -> tuple[float, float]:
        return ((p[1] - lon) * scale_lon, (p[0] - lat) * 111.2)

    best = math.inf
    for a, b in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        (ax, ay), (bx, by) = plane(a), plane(b)
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


class Places:
    """Kaohsiung's districts, Taiwan's counties and their codes, names and points."""

    def __init__(self, geocodes: dict[str, Any], points: dict[str, Any]) -> None:
        kaohsiung = geocodes["kaohsiung"]
        self.city_name: str = kaohsiung["city"]
        self.city_codes = frozenset(str(code) for code in kaohsiung["city_codes"])
        self.districts: tuple[District, ...] = tuple(
            District(
                code=str(row["code"]),
                code_107=str(row["code_107"]),
                name=row["name"],
                lat=float(points[str(row["code"])]["lat"]),
                lon=float(points[str(row["code"])]["lon"]),
                coastal=bool(row.get("coastal", False)),
            )
            for row in kaohsiung["districts"]
        )
        self._by_code = {code: d for d in self.districts for code in (d.code, d.code_107)}
        self._by_name = {d.name: d for d in self.districts}
        self._renamed: dict[str, str] = dict(kaohsiung.get("renamed") or {})
        self.counties: tuple[County, ...] = tuple(
            County(
                code=str(row["code"]),
                code_107=str(row["code_107"]),
                name=row["name"],
                seats=tuple(row["seats"]),
                quake_reference=row["quake_reference"],
                former=tuple(row.get("former") or ()),
                former_code=row.get("former_code"),
            )
            for row in geocodes["counties"]
        )
        self._seats = {seat: county.quake_reference for county in self.counties for seat in county.seats}
        kaohsiung_county = next(c for c in self.counties if c.name == self.city_name)
        self._kaohsiung_names = {kaohsiung_county.name, *kaohsiung_county.former}
        county_names = sorted({n for c in self.counties for n in (c.name, *c.former)}, key=len, reverse=True)
        self._county_pattern = re.compile("|".join(map(re.escape, county_names)))
        district_names = sorted(self._by_name, key=len, reverse=True)
        self._district_pattern = re.compile("|".join(map(re.escape, district_names)))
        bases = sorted({d.base_name for d in self.districts}, key=len, reverse=True)
        # After 高雄市 a district may be named bare (高雄市那瑪夏) or with a township's suffix (高雄縣鳳山市), but
        # not as the first part of a longer name: 鼓山區桃源里 is a village of 鼓山區, not 桃源區.
        self._bare_pattern = re.compile(
            "(" + "|".join(map(re.escape, bases)) + r")[區鄉鎮市]?(?=$|[" + _SEPARATORS + "])"
        )

    @property
    def all_codes(self) -> frozenset[str]:
        return frozenset(d.code for d in self.districts)

    def district(self, code: str) -> District:
        return self._by_code[code]

    def codes_in_order(self, codes: set[str] | frozenset[str]) -> tuple[str, ...]:
        return tuple(d.code for d in self.districts if d.code in codes)

    def is_kaohsiung_name(self, text: str) -> bool:
        return normalise(text) in self._kaohsiung_names

    # Geocodes ---------------------------------------------------------------------------------------------------

    def geocode_districts(self, value: str) -> frozenset[str]:
        """The Kaohsiung districts a county, town or village code of any edition covers (none for elsewhere)."""
        code = normalise(value)
        if code in self.city_codes:
            return self.all_codes
        if code in self._by_code:
            return frozenset({self._by_code[code].code})
        for pattern in (_VILLAGE_103, _VILLAGE_107):
            match = pattern.match(code)
            if match and match.group(1) in self._by_code:
                return frozenset({self._by_code[match.group(1)].code})
        return frozenset()

    # Text -------------------------------------------------------------------------------------------------------

    def named_districts(self, text: str) -> frozenset[str]:
        """Kaohsiung districts a text names: "高雄市苓雅區", "高雄市-前鎮區", "苓雅區五權國小", "小港" (alone), or the
        whole city ("高雄市", "高雄市全區"). A district name after another county's name is not Kaohsiung's."""
        text = normalise(text)
        if not text:
            return frozenset()
        found: set[str] = set()
        mentions = [(m.start(), m.end(), m.group()) for m in self._county_pattern.finditer(text)]
        bounds = [0, *(start for start, _, _ in mentions), len(text)]
        # The text before the first county name belongs to no county: only full district names count there, or
        # a bare name that is the whole text (the air-quality stations are named so: 小港, 前金).
        head = text[: bounds[1]]
        found.update(self._by_name[m.group()].code for m in self._district_pattern.finditer(head))
        bare = self._bare_pattern.fullmatch(head.strip())
        if bare and not mentions:
            found.add(self._by_name[bare.group(1) + "區"].code)
        for index, (_, end, county) in enumerate(mentions):
            if county not in self._kaohsiung_names:
                continue
            segment = text[end : bounds[index + 2]]
            for old, new in self._renamed.items():
                segment = segment.replace(old, new)
            named = {self._by_name[m.group()].code for m in self._district_pattern.finditer(segment)}
            named.update(
                self._by_name[m.group(1) + "區"].code
                for m in self._bare_pattern.finditer(segment)
                if m.start() == 0 or segment[m.start() - 1] in " -–—、,，:：;；()（）/"
            )
            if not named and _WHOLE_AREA.match(segment):
                return self.all_codes
            found.update(named)
        return frozenset(found)

    # Shapes -----------------------------------------------------------------------------------------------------

    def polygon_districts(self, text: str, *, coast_reach_km: float = 0.0) -> frozenset[str]:
        """Districts whose point lies inside the polygon; with a reach, also coastal districts whose point lies
        that close to it (a sea area off the coast holds no district's point)."""
        polygon = parse_polygon(text)
        if polygon is None or not any(_in_taiwan(lat, lon) for lat, lon in polygon):
            return frozenset()
        found = {d.code for d in self.districts if _inside(d.lat, d.lon, polygon)}
        if coast_reach_km > 0:
            found.update(
                d.code
                for d in self.districts
                if d.coastal and _distance_to_polygon_km(d.lat, d.lon, polygon) <= coast_reach_km
            )
        return frozenset(found)

    def circle_districts(self, text: str) -> frozenset[str]:
        """Districts whose point lies in the circle; for a site-sized circle holding none, the nearest district
        within reach. A circle of radius 0 (an epicentre) or off the map covers nothing."""
        circle = parse_circle(text)
        if circle is None:
            return frozenset()
        lat, lon, radius = circle
        if radius <= 0 or not _in_taiwan(lat, lon):
            return frozenset()
        distances = {d.code: _km(lat, lon, d.lat, d.lon) for d in self.districts}
        found = frozenset(code for code, km in distances.items() if km <= radius)
        if found or radius >= SITE_RADIUS_KM:
            return found
        nearest = min(distances, key=distances.__getitem__)
        return frozenset({nearest}) if distances[nearest] <= SITE_REACH_KM else frozenset()

    def area_districts(self, area: CapArea, *, coast_reach_km: float = 0.0) -> frozenset[str]:
        """The Kaohsiung districts one ``<area>`` touches, by its geocodes, its text and its shapes.

        A site's own text outranks its point: a car park described as "鳳山區忠孝國小" is in 鳳山區 even where
        its coordinates were mistyped."""
        found: set[str] = set()
        for name, value in area.geocodes:
            if "geocode" in name.lower():
                found.update(self.geocode_districts(value))
        named = self.named_districts(area.description)
        found.update(named)
        for polygon in area.polygons:
            found.update(self.polygon_districts(polygon, coast_reach_km=coast_reach_km))
        for circle in area.circles:
            parsed = parse_circle(circle)
            if parsed and parsed[2] < SITE_RADIUS_KM and named:
                continue
            found.update(self.circle_districts(circle))
        return frozenset(found)

    # Earthquakes ------------------------------------------------------------------------------------------------

    def epicentre(self, text: str) -> Epicentre | None:
        """The weather agency's "花蓮縣政府南南東方25.0公里 (位於花蓮縣近海)" as a seat, a bearing and a distance."""
        match = _EPICENTRE.match(normalise(text))
        if not match:
            return None
        reference = self._seats.get(match.group("seat"))
        if reference is None:
            return None
        return Epicentre(reference=reference, bearing=BEARINGS[match.group("bearing")], km=float(match.group("km")))


def load_places(geocodes_file: Path = GEOCODES_FILE, points_file: Path = POINTS_FILE) -> Places:
    with geocodes_file.open(encoding="utf-8") as handle:
        geocodes = safe_load(handle)
    with points_file.open(encoding="utf-8") as handle:
        points = safe_load(handle)
    return Places(geocodes, points)


@lru_cache(maxsize=1)
def default_places() -> Places:
    """The places shipped with civicast, read once."""
    return load_places()
