"""Where a line of text may break, as ICU's line BreakIterator finds it (PyICU).

Thai, Khmer and Burmese (and Lao) are written without spaces between words, and UAX #14 alone leaves their word
boundaries to a dictionary: ICU has one for each, so a line in those scripts breaks between words, never inside
one. Elsewhere ICU follows UAX #14 (after a space, between CJK ideographs, after a hyphen).

ICU counts in UTF-16 code units and Python in code points: the boundaries are translated back, so a character
outside the BMP (an emoji, a rare Han character in a place name) never moves a break.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import icu

# A BreakIterator holds the text it walks and its position: one per thread and language, never shared.
_iterators = threading.local()


def _line_iterator(language: str) -> icu.BreakIterator:
    cached: dict[str, icu.BreakIterator] = _iterators.__dict__.setdefault("by_language", {})
    if language not in cached:
        cached[language] = icu.BreakIterator.createLineInstance(icu.Locale.forLanguageTag(language))
    return cached[language]


def _code_point_offsets(text: str) -> dict[int, int]:
    """UTF-16 offset → code-point offset, at the start of every character and at the end."""
    offsets: dict[int, int] = {}
    utf16 = 0
    for index, character in enumerate(text):
        offsets[utf16] = index
        utf16 += 2 if ord(character) > 0xFFFF else 1
    offsets[utf16] = len(text)
    return offsets


def line_boundaries(text: str, language: str) -> tuple[int, ...]:
    """The offsets (code points, 0 and ``len(text)`` included) where a line of ``text`` may end."""
    if not text:
        return (0,)
    iterator = _line_iterator(language)
    iterator.setText(text)
    found = [iterator.first(), *iterator]
    if all(ord(character) <= 0xFFFF for character in text):
        return tuple(found)
    offsets = _code_point_offsets(text)
    return tuple(offsets[boundary] for boundary in found)


@lru_cache(maxsize=1024)  # a slide is wrapped again at every size tried; the same paragraphs each time
def line_break_units(text: str, language: str) -> tuple[str, ...]:
    """``text`` cut at every line-break opportunity: each unit is a word with the spaces that follow it."""
    boundaries = line_boundaries(text, language)
    return tuple(text[start:end] for start, end in zip(boundaries, boundaries[1:], strict=False))
