"""The Noto fonts that write each language's script, found through fontconfig, and which characters each one has.

Shared by everything that draws text into an image (LINE rich menus, cable-TV slides). A text is drawn in runs:
each grapheme cluster goes to the first font of the language's chain that has a glyph for every code point of it,
so no script is ever drawn as empty boxes ("tofu").
"""

from __future__ import annotations

import subprocess
import unicodedata
from functools import lru_cache

from fontTools.ttLib import TTFont
from PIL import ImageFont
from uniseg.graphemecluster import grapheme_clusters

# The font family that writes each script (fonts-noto-cjk and fonts-noto-core, installed by the Makefile).
FAMILIES = {
    "zh-Hant": "Noto Sans CJK TC",
    "zh-Hans": "Noto Sans CJK SC",
    "ja": "Noto Sans CJK JP",
    "ko": "Noto Sans CJK KR",
    "th": "Noto Sans Thai",
    "km": "Noto Sans Khmer",
    "my": "Noto Sans Myanmar",
}
LATIN_FAMILY = "Noto Sans"
# What a character the language's own font lacks is looked for in: Latin, then the CJK fonts (which also carry
# full-width punctuation, kana and hangul).
FALLBACK_FAMILIES = (LATIN_FAMILY, "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans CJK KR")

# The Thai, Khmer and Burmese Noto fonts carry only their own script: a label without it (English
# while a catalog is incomplete, say) is drawn in the Latin face instead of as empty boxes.
SCRIPT_RANGES = {"th": (0x0E00, 0x0E7F), "km": (0x1780, 0x17FF), "my": (0x1000, 0x109F)}


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=32)
def font_file(family: str, bold: bool = True) -> tuple[str, int]:
    """(path, face index) of an installed font of this family, as fontconfig finds it."""
    pattern = f"{family}:style={'Bold' if bold else 'Regular'}"
    result = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern], capture_output=True, text=True, check=False
    )
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) < 3 or family.split()[-1] not in lines[2]:
        raise FontMissing(f"font {family!r} is not installed (run `make install`: it installs the Noto fonts)")
    return lines[0], int(lines[1] or 0)


def family_for(language: str, text: str) -> str:
    """The one family a short label is drawn in: the language's, or Latin when the text has none of its script."""
    span = SCRIPT_RANGES.get(language)
    if span and not any(span[0] <= ord(ch) <= span[1] for ch in text):
        return LATIN_FAMILY
    return FAMILIES.get(language, LATIN_FAMILY)


@lru_cache(maxsize=64)
def charset(path: str, index: int) -> frozenset[int]:
    """The code points the font has a glyph for (its best cmap)."""
    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=256)
def truetype(family: str, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    path, index = font_file(family, bold)
    return ImageFont.truetype(path, size=size, index=index, layout_engine=ImageFont.Layout.RAQM)


def needs_glyph(ch: str) -> bool:
    """Whether a character is drawn: spaces, joiners and other format characters are not."""
    return not (ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc"))


def missing(text: str, family: str, *, bold: bool) -> set[str]:
    """The characters of ``text`` the family's font has no glyph for."""
    chars = charset(*font_file(family, bold))
    return {ch for ch in text if needs_glyph(ch) and ord(ch) not in chars}


def chain(language: str) -> tuple[str, ...]:
    own = FAMILIES.get(language, LATIN_FAMILY)
    return (own, *(family for family in FALLBACK_FAMILIES if family != own))


@lru_cache(maxsize=4096)  # wrapping measures the same beginnings of lines again and again
def font_runs(text: str, language: str, *, bold: bool) -> tuple[tuple[str, str], ...]:
    """``text`` as (family, run) pairs: each grapheme cluster in the first family of the chain that has all of it.

    A cluster no family has stays with the language's own font (and the no-tofu test says so).
    """
    families = chain(language)
    runs: list[tuple[str, str]] = []
    for cluster in grapheme_clusters(text):
        if not any(needs_glyph(ch) for ch in cluster) and runs:
            runs[-1] = (runs[-1][0], runs[-1][1] + cluster)  # a space stays in the run it follows
            continue
        family = next((f for f in families if not missing(cluster, f, bold=bold)), families[0])
        if runs and runs[-1][0] == family:
            runs[-1] = (family, runs[-1][1] + cluster)
        else:
            runs.append((family, cluster))
    return tuple(runs)
