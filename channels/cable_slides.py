"""Full-screen cable-TV slides: one active notice in one language as a PNG an operator can put on air.

Pure: a LocalisedNotice in, PNG bytes (and where every text went) out. The fonts are cached FreeType faces:
callers on several threads draw one slide at a time. A slide has the severity colour band
(purple with the training mark on a training notice), the headline, what to do, the areas, the times and a QR
code of the notice's public page, every text fitted inside the title-safe area of SMPTE ST 2046-1 (90 % of the
width and height, centred; the action-safe area is 93 %). Only the band's colour reaches the picture's edge.

Text is fitted by shrinking all of it together, then wrapped at the line-break opportunities ICU finds
(``channels.line_breaks``: spaces, between CJK ideographs, and between the words of Thai, Khmer and Burmese, which
are written without spaces). Only a single word wider than a line is broken between grapheme clusters, so a vowel
sign or a stacked consonant never leaves its base. Only when the smallest size still overflows is the instruction
cut with an ellipsis (after a whole word where one fits), and the slide says so (``Slide.ellipsised``).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

import segno
from PIL import Image, ImageDraw
from uniseg.graphemecluster import grapheme_clusters

from channels.fonts import FAMILIES, LATIN_FAMILY, font_runs, truetype
from channels.line_breaks import line_break_units
from channels.presentation import band_colour
from messages.localised import LocalisedNotice

SIZES = {1920: (1920, 1080), 1280: (1280, 720)}
TITLE_SAFE = 0.90  # SMPTE ST 2046-1: text within the central 90 % of width and height
ACTION_SAFE = 0.93
BACKGROUND = "#101418"
TEXT = "#FFFFFF"
MUTED = "#C9D1D9"
ELLIPSIS = "…"


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    def within(self, other: Box) -> bool:
        return (
            other.left <= self.left
            and other.top <= self.top
            and self.right <= other.right
            and self.bottom <= other.bottom
        )


@dataclass(frozen=True)
class DrawnRun:
    """A piece of text drawn in one font, and the box its ink and line take."""

    text: str
    family: str
    bold: bool
    box: Box


@dataclass(frozen=True)
class Slide:
    png: bytes
    safe_area: Box
    runs: tuple[DrawnRun, ...]
    qr: Box | None
    ellipsised: bool  # a text (the longest: the instruction) did not fit even at the smallest size and was cut
    # The lines each text was wrapped into, as drawn: the band's, the headline's, then what to do, areas and times.
    lines: tuple[tuple[str, ...], ...]


def safe_area(width: int, height: int, share: float = TITLE_SAFE) -> Box:
    dx, dy = round(width * (1 - share) / 2), round(height * (1 - share) / 2)
    return Box(dx, dy, width - dx, height - dy)


@dataclass(frozen=True)
class _Block:
    text: str
    scale: float  # of the base size
    bold: bool
    colour: str


@lru_cache(maxsize=8192)
def _width(text: str, language: str, size: int, bold: bool) -> float:
    return sum(truetype(f, size, bold).getlength(run) for f, run in font_runs(text, language, bold=bold))


def wrap(text: str, language: str, *, size: int, bold: bool, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width``, broken between words; a word wider than a line alone is broken
    between grapheme clusters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for unit in line_break_units(paragraph, language):
            if _width(line + unit, language, size, bold) <= width:
                line += unit
                continue
            if line.strip():
                lines.append(line.rstrip())
                line = ""
            if _width(unit, language, size, bold) <= width:
                line = unit
                continue
            for cluster in grapheme_clusters(unit):  # a word wider than the line
                if line and _width(line + cluster, language, size, bold) > width:
                    lines.append(line.rstrip())
                    line = ""
                line += cluster
        if line.strip():
            lines.append(line.rstrip())
    return lines


def _ascent(size: int, language: str) -> int:
    return max(round(size * 1.1), truetype(FAMILIES.get(language, LATIN_FAMILY), size, False).getmetrics()[0])


def _line_height(size: int, language: str) -> int:
    """Room for Thai and Khmer marks above and below; Burmese stacks higher, and its font's metrics say how much."""
    ascent, descent = truetype(FAMILIES.get(language, LATIN_FAMILY), size, False).getmetrics()
    return max(round(size * 1.45), ascent + descent)


def _pad(size: int) -> int:
    """Room on each side for ink outside a glyph's advance (an italic-like overhang, a Thai mark)."""
    return round(size * 0.15)


def _fit_block(block: _Block, language: str, *, size: int, width: int) -> list[str]:
    block_size = round(size * block.scale)
    return wrap(block.text, language, size=block_size, bold=block.bold, width=width - 2 * _pad(block_size))


def _cut(lines: list[str], keep: int, language: str, *, size: int, bold: bool, width: int) -> list[str]:
    kept = lines[:keep]
    last = kept[-1] if kept else ""
    words = list(line_break_units(last, language))
    while len(words) > 1 and _width("".join(words).rstrip() + ELLIPSIS, language, size, bold) > width:
        words.pop()  # the ellipsis after a whole word, as a reader expects; inside a word only if it is the line
    clusters = list(grapheme_clusters("".join(words).rstrip()))
    while clusters and _width("".join(clusters) + ELLIPSIS, language, size, bold) > width:
        clusters.pop()
    return [*kept[:-1], "".join(clusters).rstrip() + ELLIPSIS]


def _layout(
    blocks: list[_Block], language: str, *, base: int, minimum: int, width: int, height: int
) -> tuple[int, list[list[str]], bool]:
    """The largest base size at which every block fits; at the minimum, the blocks that must be cut are cut."""
    size = base
    while True:
        wrapped = [_fit_block(b, language, size=size, width=width) for b in blocks]
        total = sum(
            len(lines) * _line_height(round(size * b.scale), language) for b, lines in zip(blocks, wrapped, strict=True)
        )
        total += round(size * 0.4) * (len(blocks) - 1)
        if total <= height:
            return size, wrapped, False
        if size <= minimum:
            break
        size = max(minimum, round(size * 0.94))
    # Last resort: cut the longest block (the instruction) to the lines that fit, with an ellipsis.
    longest = max(range(len(blocks)), key=lambda i: len(wrapped[i]))
    others = sum(
        len(lines) * _line_height(round(size * b.scale), language)
        for i, (b, lines) in enumerate(zip(blocks, wrapped, strict=True))
        if i != longest
    )
    others += round(size * 0.4) * (len(blocks) - 1)
    block = blocks[longest]
    block_size = round(size * block.scale)
    keep = max(1, (height - others) // _line_height(block_size, language))
    inner = width - 2 * _pad(block_size)
    wrapped[longest] = _cut(wrapped[longest], keep, language, size=block_size, bold=block.bold, width=inner)
    return size, wrapped, True


class _Painter:
    def __init__(self, image: Image.Image, language: str) -> None:
        self.draw = ImageDraw.Draw(image)
        self.language = language
        self.runs: list[DrawnRun] = []

    def line(self, text: str, *, x: int, top: int, size: int, bold: bool, colour: str) -> None:
        baseline = top + _ascent(size, self.language)
        for family, run in font_runs(text, self.language, bold=bold):
            font = truetype(family, size, bold)
            self.draw.text((x, baseline), run, font=font, fill=colour, anchor="ls")
            left, ink_top, right, ink_bottom = self.draw.textbbox((x, baseline), run, font=font, anchor="ls")
            advance = round(font.getlength(run))
            box = Box(
                min(x, math.floor(left)),
                min(top, math.floor(ink_top)),
                max(x + advance, math.ceil(right)),
                math.ceil(ink_bottom),
            )
            if run.strip():
                self.runs.append(DrawnRun(run, family, bold, box))
            x += advance


def _qr(link: str, side: int) -> Image.Image:
    qr = segno.make(link, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=1, border=2, dark="#000000", light="#FFFFFF")
    buffer.seek(0)
    return Image.open(buffer).convert("RGB").resize((side, side), Image.Resampling.NEAREST)


def render_slide(notice: LocalisedNotice, width: int = 1920) -> Slide:
    """The notice as a full-screen slide ``width`` pixels wide (1920×1080 or 1280×720)."""
    w, h = SIZES[width]
    safe = safe_area(w, h)
    image = Image.new("RGB", (w, h), BACKGROUND)
    painter = _Painter(image, notice.language)
    colour = band_colour(notice)
    unit = h / 1080  # sizes below are for 1080 lines

    band_bottom = safe.top + round(130 * unit)
    painter.draw.rectangle((0, 0, w, band_bottom), fill=colour)
    if notice.training:  # a training slide is framed in the training colour as well
        painter.draw.rectangle((0, 0, w - 1, h - 1), outline=colour, width=safe.left)
    band_text = notice.band_label or notice.severity_label
    band_size, band_lines, band_cut = _layout(
        [_Block(band_text, 1.0, True, TEXT)],
        notice.language,
        base=round(80 * unit),
        minimum=round(36 * unit),
        width=safe.right - safe.left,
        height=band_bottom - safe.top,
    )
    for index, text in enumerate(band_lines[0]):
        top = safe.top + index * _line_height(band_size, notice.language)
        painter.line(text, x=safe.left + _pad(band_size), top=top, size=band_size, bold=True, colour=TEXT)

    qr_box = None
    text_right = safe.right
    link = notice.page_link or notice.link
    if link:
        side = round(300 * unit)
        qr_box = Box(safe.right - side, safe.bottom - side, safe.right, safe.bottom)
        image.paste(_qr(link, side), (qr_box.left, qr_box.top))
        text_right = qr_box.left - round(48 * unit)

    blocks = [_Block(notice.headline, 1.0, True, TEXT)]
    if notice.instruction:
        blocks.append(_Block(notice.instruction, 0.62, False, TEXT))
    blocks += [_Block(text, 0.5, False, MUTED) for text in (notice.areas_text, notice.times_text) if text]
    top = band_bottom + round(36 * unit)
    size, wrapped, ellipsised = _layout(
        blocks,
        notice.language,
        base=round(96 * unit),
        minimum=round(40 * unit),
        width=text_right - safe.left,
        height=safe.bottom - top,
    )
    for block, lines in zip(blocks, wrapped, strict=True):
        block_size = round(size * block.scale)
        for text in lines:
            painter.line(
                text, x=safe.left + _pad(block_size), top=top, size=block_size, bold=block.bold, colour=block.colour
            )
            top += _line_height(block_size, notice.language)
        top += round(size * 0.4)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    drawn_lines = tuple(tuple(block_lines) for block_lines in [*band_lines, *wrapped])
    return Slide(buffer.getvalue(), safe, tuple(painter.runs), qr_box, ellipsised or band_cut, drawn_lines)
