"""Readers of the natural hazards: earthquakes, tsunamis, typhoons, rain, thunderstorms, heat and cold."""

from __future__ import annotations

import re

from messages.cap_geography import normalise
from messages.cap_tw_source import (
    Interpretation,
    Source,
    cap_time,
    compact,
    day,
    first_number,
    iso,
    native_name,
    start_of,
)

QUAKE_INTENSITIES = ("1", "2", "3", "4", "5-", "5+", "6-", "6+", "7")


def quake_intensity(text: str) -> str | None:
    """ "4級", "5弱", "5強", "5-", "6+" as a quake_intensity value; 5 and 6 without a grade (the scale before
    2020) as their lower half, so that a rule "5- or more" still holds."""
    match = re.fullmatch(r"([0-7])\s*([弱強+\-])?", normalise(text).replace("級", "").strip())
    if not match or match.group(1) == "0":
        return None
    digit, grade = match.groups()
    if digit in "56":
        return digit + ("+" if grade in ("強", "+") else "-")
    return digit


def earthquake(source: Source) -> Interpretation:
    places = source.places
    readings: list[tuple[str, frozenset[str]]] = []
    for line in source.parameters("LocalMaxIntensity"):
        fields = [part.strip().strip('"').strip() for part in line.split(";")]
        intensity = quake_intensity(fields[0]) if fields else None
        code = fields[3] if len(fields) > 3 else ""
        codes = places.geocode_districts(code) if code else places.named_districts(fields[1] if len(fields) > 1 else "")
        if intensity and codes:
            readings.append((intensity, codes))
    intensity = max((i for i, _ in readings), key=QUAKE_INTENSITIES.index, default=None)
    by_district = [codes for _, codes in readings if codes != places.all_codes]
    codes = frozenset().union(*by_district) if by_district else (places.all_codes if readings else frozenset())
    location = source.parameter("EventLocationName") or ""
    epicentre = places.epicentre(location)
    magnitude = first_number(source.parameter("EventMagnitudeDescription") or source.parameter("EventMagnitude"))
    params = {
        "time": iso(cap_time(source.parameter("EventOriginTime"))),
        "magnitude": magnitude,
        "depth_km": first_number(source.parameter("EventDepth")),
        "intensity": intensity,
        "districts": source.districts_param(codes) if codes else None,
    }
    if epicentre:
        params.update(
            epicentre_from=epicentre.reference, epicentre_bearing=epicentre.bearing, epicentre_km=epicentre.km
        )
    else:
        params["epicentre"] = native_name(location)
    return Interpretation(
        "earthquake_report", compact(params), codes, level=intensity, no_district="reports no intensity in Kaohsiung"
    )


def _by_region(values: list[str]) -> dict[str, str]:
    """``"西南沿海地區";2015-10-01T10:04:00+08:00;;;;"TW-CAP-TSU:1.0"`` lines as region -> value."""
    found: dict[str, str] = {}
    for line in values:
        fields = [part.strip().strip('"').strip() for part in line.split(";")]
        if len(fields) >= 2:
            found.setdefault(fields[0], fields[1])
    return found


def _wave_height_m(text: str) -> float | None:
    """ "小於1公尺" is up to 1 m, "1至3公尺" up to 3 m; "3公尺以上" has no upper bound to give."""
    text = normalise(text)
    if "以上" in text or "超過" in text:
        return None
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)]
    return max(numbers) if numbers else None


def tsunami(source: Source) -> Interpretation:
    places = source.places
    regions = {area.description for area in source.info.areas if places.area_districts(area)}
    coastal = frozenset(d.code for d in places.districts if d.coastal)
    codes = source.codes & coastal
    arrivals = _by_region(source.parameters("PredictedArrivalTime"))
    heights = _by_region(source.parameters("PredictedWaveHeight"))
    times = [t for region, value in arrivals.items() if region in regions and (t := cap_time(value))]
    # No arrival for Kaohsiung's coast: the earliest anywhere, since a tsunami warning errs early.
    times = times or [t for value in arrivals.values() if (t := cap_time(value))]
    waves = [h for region, value in heights.items() if region in regions and (h := _wave_height_m(value)) is not None]
    params = {
        "arrival": iso(min(times)) if times else None,
        "wave_height": max(waves) if waves else None,
        "districts": source.districts_param(codes) if codes else None,
    }
    return Interpretation("tsunami_warning", compact(params), codes)


# Weather -----------------------------------------------------------------------------------------------------------

TYPHOON_INTENSITY = {"輕度": "mild", "中度": "moderate", "強烈": "severe"}
TYPHOON_SEA_REACH_KM = 10.0
_TYPHOON_SENTENCE = re.compile(
    r"(輕度|中度|強烈)颱風\s*([\u3400-\u9fff]{1,8})\s*[(（]\s*國際命名\s*([A-Za-z][A-Za-z\- ]*?)\s*[)）]"
)


def typhoon(source: Source) -> Interpretation:
    info = source.info
    label = normalise(" ".join(filter(None, (source.parameter("severity_level"), info.headline, info.event))))
    land = "陸上" in label
    kind = "typhoon_land_warning" if land else "typhoon_sea_warning"
    description = normalise(info.description or "")
    # The weather agency puts the names in markup (<cwb_typhoon_name>白鹿</cwb_typhoon_name>) and in a sentence
    # ("輕度颱風 白鹿（國際命名 BAILU）"); depending on how the markup was read, either may survive.
    native = re.search(r"<cwb_typhoon_name\b[^>]*>\s*([^<]+?)\s*</cwb_typhoon_name>", description)
    latin = re.search(r"<typhoon_name\b[^>]*>\s*([^<]+?)\s*</typhoon_name>", description)
    scale = re.search(r"(輕度|中度|強烈)颱風", description)
    sentence = _TYPHOON_SENTENCE.search(description)
    native_text = native.group(1) if native else (sentence.group(2) if sentence else None)
    latin_text = latin.group(1) if latin else (sentence.group(3) if sentence else None)
    name = None
    if native_text and native_name(native_text):
        name = native_name(native_text)
        if latin_text and re.fullmatch(r"[A-Za-z][A-Za-z\- ]*", latin_text.strip()):
            name = f"{name}|{latin_text.strip().capitalize()}"
    codes = frozenset().union(
        *(source.places.area_districts(area, coast_reach_km=0 if land else TYPHOON_SEA_REACH_KM) for area in info.areas)
    )
    params = {
        "typhoon_name": name,
        "intensity": TYPHOON_INTENSITY[scale.group(1)] if scale else None,
        "districts": source.districts_param(codes) if codes else None,
    }
    if not land:
        params["issued"] = iso(cap_time(info.effective))
    note = "the typhoon warning is lifted" if "解除" in label else None
    return Interpretation(kind, compact(params), codes, note=note)


RAIN_LEVELS = (
    ("超大豪雨", "extremely_torrential_rain"),
    ("大豪雨", "torrential_rain"),
    ("豪雨", "extremely_heavy_rain"),
    ("大雨", "heavy_rain"),
)


def rainfall(source: Source) -> Interpretation:
    info = source.info
    level = None
    for text in (source.parameter("severity_level"), info.headline, source.parameter("alert_title"), info.event):
        level = next((value for word, value in RAIN_LEVELS if word in normalise(text or "")), None)
        if level:
            break
    params = {
        "level": level,
        "districts": source.districts_param(source.codes) if source.codes else None,
        "until": iso(cap_time(info.expires)),
    }
    return Interpretation("heavy_rain", compact(params), source.codes, level=level)


def thunderstorm(source: Source) -> Interpretation:
    places = source.places
    codes = set(source.codes)
    townships = source.parameter("townships")
    if townships:
        codes.update(places.named_districts(townships))
    elif any(places.is_kaohsiung_name(name) for name in re.split(r"[,，、\s]+", source.parameter("counties") or "")):
        codes.update(places.all_codes)
    found = frozenset(codes)
    params = {
        "districts": source.districts_param(found) if found else None,
        "until": iso(cap_time(source.info.expires)),
    }
    return Interpretation("thunderstorm", compact(params), found)


ALERT_COLOURS = {"黃": "yellow", "橙": "orange", "橘": "orange", "紅": "red"}


def _alert_colour(source: Source) -> str | None:
    for text in (source.parameter("alert_color"), source.parameter("severity_level"), source.info.headline):
        for word, value in ALERT_COLOURS.items():
            if f"{word}色" in normalise(text or "") or f"{word}燈" in normalise(text or ""):
                return value
    return None


def _temperatures(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"(-?\d{1,2}(?:\.\d)?)\s*(?:°C|℃|度)", normalise(text))]


def heat(source: Source) -> Interpretation:
    level = _alert_colour(source)
    highs = [t for t in _temperatures(source.text()) if 30 <= t <= 50]
    params = {
        "level": level,
        "temperature": round(max(highs)) if highs else None,
        "districts": source.districts_param(source.codes) if source.codes else None,
        "date": day(start_of(source)),
    }
    return Interpretation("extreme_heat", compact(params), source.codes, level=level)


def cold(source: Source) -> Interpretation:
    level = _alert_colour(source)
    lows = [t for t in _temperatures(source.text()) if -10 <= t <= 20]
    params = {
        "level": level,
        "lowest_temperature": round(min(lows)) if lows else None,
        "districts": source.districts_param(source.codes) if source.codes else None,
        "from_date": day(start_of(source)),
    }
    return Interpretation("cold_surge", compact(params), source.codes, level=level)
