"""Readers of the civic alerts: reservoir releases, road closures, days off, air quality and emergency parking."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from messages.cap_geography import normalise
from messages.cap_tw_source import Interpretation, Source, cap_time, compact, day, iso, native_name, start_of
from messages.i18n import TAIPEI


def reservoir(source: Source) -> Interpretation:
    text = normalise("\n".join(filter(None, (source.info.headline, source.info.description))))
    name = re.search(r"([\u3400-\u9fff]{1,10}?(?:水庫|攔河堰|堰|壩))", text)
    river = re.search(r"(?:洩洪至|放流至|排放至)\s*([\u3400-\u9fff]{1,10}?(?:溪|河|川|圳|排水))", text)
    flow = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*(?:cms|CMS|立方公尺/秒|秒立方公尺|m3/s|m³/s)", text)
    params = {
        "reservoir": native_name(name.group(1)) if name else None,
        "start": iso(start_of(source)),
        "river": native_name(river.group(1)) if river else None,
        "flow": float(flow.group(1).replace(",", "")) if flow else None,
        "districts": source.districts_param(source.codes) if source.codes else None,
    }
    return Interpretation("reservoir_release", compact(params), source.codes)


ROAD_REASONS = (
    ("坍方", "landslide"),
    ("落石", "landslide"),
    ("崩塌", "landslide"),
    ("土石", "landslide"),
    ("淹水", "flooding"),
    ("積水", "flooding"),
    ("水淹", "flooding"),
    ("事故", "accident"),
    ("施工", "works"),
    ("工程", "works"),
    ("颱風", "typhoon"),
    ("活動", "event"),
)
# A road's own name never holds a county's, district's or village's word: "高雄市三民區建國二路" is 建國二路.
_ROAD_CHAR = r"(?:(?![市縣區鄉鎮里村])[\u3400-\u9fff])"
_ROAD = re.compile(
    r"(國道\s*\d+\s*號"
    r"|(?:縣道|市道|區道|鄉道)\s*\d+[甲乙丙丁]?線?"
    r"|臺?\s*\d{1,3}[甲乙丙丁]?\s*線"
    rf"|{_ROAD_CHAR}{{1,6}}(?:路|街|大道)(?:[一二三四五六七八九十]+段)?)"
)
_SECTION = re.compile(r"(\d+\s*[Kk]\s*\+\s*\d+\s*[~～至\-]\s*\d+\s*[Kk]\s*\+\s*\d+)")
_CLOCK = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})\s*(上午|下午)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _clock(text: str) -> datetime | None:
    """ "2019/8/21 上午 09:00:00", as the highway authority writes its times."""
    match = _CLOCK.search(text)
    if not match:
        return None
    year, month, dday, half, hour, minute, second = match.groups()
    hour_value = int(hour) % 12 + (12 if half == "下午" else 0) if half else int(hour)
    try:
        return datetime(int(year), int(month), int(dday), hour_value, int(minute), int(second or 0), tzinfo=TAIPEI)
    except ValueError:
        return None


def road_closure(source: Source) -> Interpretation:
    text = normalise(source.info.description or "")
    road = _ROAD.search(text)
    section = _SECTION.search(text)
    reopen = re.search(r"(?:預計搶通|預計開放|預計通車)[^:：]*[:：]\s*([^；;。\n]+)", text)
    reason = next((value for word, value in ROAD_REASONS if word in text), None)
    # The highway authority's circles are wide and its text precise ("台中市 和平區 台8線..."): without an area in
    # Kaohsiung, the district the text names.
    codes = source.codes or source.places.named_districts(text)
    district = source.places.codes_in_order(codes)[:1]
    start = start_of(source)
    end = _clock(reopen.group(1)) if reopen else None
    params = {
        "road": native_name(road.group(1).replace(" ", "")) if road else None,
        "district": source.key_of[district[0]] if district else None,
        "start": iso(start),
        "section": native_name(section.group(1).replace(" ", ""), han=False) if section else None,
        "reason": reason,
        "end": iso(end) if end and (start is None or end >= start) else None,
    }
    return Interpretation("road_closure", compact(params), codes)


DAY_OFF_PERIODS = (
    ("上午", "morning"),
    ("中午", "afternoon"),
    ("下午", "afternoon"),
    ("晚上", "evening"),
    ("夜間", "evening"),
)


def day_off(source: Source) -> Interpretation:
    info = source.info
    text = normalise("\n".join(filter(None, (info.description, source.parameter("CMAMtext"), info.headline))))
    # One message may list several places ("臺東縣綠島鄉:今天晚上停止上班、停止上課。"): read Kaohsiung's.
    parts = [part for part in re.split(r"[。；;\n]", text) if part.strip()]
    relevant = [part for part in parts if "高雄" in part] or parts
    decision_text = " ".join(relevant)
    if ("照常上班" in decision_text and "照常上課" in decision_text) or "照常上班上課" in decision_text:
        decision = "open_as_normal"
    elif "停止上班" in decision_text and "停止上課" in decision_text:
        decision = "work_and_school_closed"
    elif "停止上課" in decision_text:
        decision = "school_closed"
    else:
        decision = None
    when = cap_time(info.effective) or cap_time(info.onset)
    when_day = when.astimezone(TAIPEI).date() if when else None
    explicit = re.search(r"(\d{1,2})月(\d{1,2})日", decision_text)
    if when_day and explicit:
        sent_day = when_day
        try:
            when_day = date(sent_day.year, int(explicit.group(1)), int(explicit.group(2)))
            if when_day < sent_day - timedelta(days=180):  # "1月2日" announced on 31 December
                when_day = date(sent_day.year + 1, when_day.month, when_day.day)
        except ValueError:
            when_day = None
    elif when_day and ("明天" in decision_text or "明日" in decision_text):
        when_day += timedelta(days=1)
    period = None
    if decision in ("work_and_school_closed", "school_closed"):
        period = next((value for word, value in DAY_OFF_PERIODS if word in decision_text), "all_day")
    params = {
        "decision": decision,
        "date": when_day.isoformat() if when_day else None,
        "period": period,
        "districts": source.districts_param(source.codes) if source.codes else None,
    }
    return Interpretation("day_off", compact(params), source.codes)


AQI_LEVELS = (
    ("對敏感族群不健康", "unhealthy_sensitive"),
    ("對所有族群不健康", "unhealthy"),
    ("非常不健康", "very_unhealthy"),
    ("危害", "hazardous"),
    ("不健康", "unhealthy"),
    ("普通", "moderate"),
    ("良好", "good"),
)
AQI_COLOURS = (
    ("褐紅", "hazardous"),
    ("紫", "very_unhealthy"),
    ("紅", "unhealthy"),
    ("橘", "unhealthy_sensitive"),
    ("橙", "unhealthy_sensitive"),
    ("黃", "moderate"),
    ("綠", "good"),
)
POLLUTANTS = (
    ("PM2.5", "pm25"),
    ("細懸浮微粒", "pm25"),
    ("PM10", "pm10"),
    ("懸浮微粒", "pm10"),
    ("臭氧", "o3"),
    ("O3", "o3"),
    ("二氧化氮", "no2"),
    ("NO2", "no2"),
)


def air_quality(source: Source) -> Interpretation:
    text = normalise(source.text())
    severity_level = normalise(source.parameter("severity_level") or "")
    colour = normalise(source.parameter("alert_color") or "")
    level = next((value for word, value in AQI_LEVELS if word in severity_level), None) or next(
        (value for word, value in AQI_COLOURS if word in colour), None
    )
    # "AQI大於150" is a bound, not the index: only a plain "AQI 158" or "AQI為158" is taken.
    aqi = re.search(r"AQI\s*(?:值)?\s*(?:[=:]|為|達)?\s*(\d{1,3})(?!\d)", text, re.IGNORECASE)
    params = {
        "aqi": int(aqi.group(1)) if aqi and int(aqi.group(1)) <= 500 else None,
        "level": level,
        "districts": source.districts_param(source.codes) if source.codes else None,
        "pollutant": next((value for word, value in POLLUTANTS if word in text.upper() or word in text), None),
        "date": day(cap_time(source.info.effective)),
    }
    return Interpretation("air_quality", compact(params), source.codes, level=level)


def parking(source: Source) -> Interpretation:
    text = normalise(source.text())
    places = re.search(r"(\d[\d,]*)\s*處", text)
    spaces = re.search(r"(\d[\d,]*)\s*(?:個)?(?:停車位|車位|停車格)", text)
    place_count = int(places.group(1).replace(",", "")) if places else None
    space_count = int(spaces.group(1).replace(",", "")) if spaces else None
    params = {
        "start": iso(start_of(source)),
        "places": place_count if place_count and place_count <= 10_000 else None,
        "spaces": space_count if space_count and space_count <= 1_000_000 else None,
        "districts": source.districts_param(source.codes) if source.codes else None,
    }
    return Interpretation("emergency_parking", compact(params), source.codes)
