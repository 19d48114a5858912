"""What text civicast accepts from anyone who types it: officers, keys, the command line, ingest.

Every text field is checked at the door, before anything is stored: control characters (C0, DEL,
C1), NUL, unpaired surrogates (a command line given bytes that are not UTF-8 decodes them to lone
surrogates), Unicode non-characters, bidirectional overrides (they make a line read differently from
what it holds) and line or paragraph separators are refused. Multi-line fields also allow newline and
tab; a browser's CRLF is read as a newline.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping
from typing import Any

from messages.refusal import Problem

_NONCHARACTERS = "".join(re.escape(chr(plane * 0x10000 + low)) for plane in range(17) for low in (0xFFFE, 0xFFFF))
# C0 but newline and tab, DEL and C1, surrogates, non-characters, line and paragraph separators, and the
# bidirectional embeddings, overrides and isolates (none of civicast's twelve languages is written right to left).
_REFUSED = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\u2028\u2029\u202a-\u202e\u2066-\u2069"
_IN_LINES = re.compile(f"[{_REFUSED}{_NONCHARACTERS}]")
_IN_ONE_LINE = re.compile(f"[\t\n{_REFUSED}{_NONCHARACTERS}]")


class TextRefused(ValueError):
    """A text field holds characters civicast does not accept; ``field`` names it, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _describe(char: str) -> Problem:
    code = ord(char)
    name = f"U+{code:04X}"
    if char in "\t\n":
        return Problem(
            f"contains a line break or tab ({name}); this field is a single line", "text.single_line", char=name
        )
    if code == 0:
        return Problem("contains a NUL character (U+0000)", "text.nul", char=name)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return Problem(f"contains a control character ({name})", "text.control", char=name)
    if 0xD800 <= code <= 0xDFFF:
        return Problem(
            f"contains {name}, which is not text: the input was not UTF-8 (for example Big5); save or type it as UTF-8",
            "text.not_utf8",
            char=name,
        )
    if char in "\u2028\u2029":
        return Problem(f"contains a line or paragraph separator ({name}); use a newline", "text.separator", char=name)
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return Problem(
            f"contains a bidirectional control ({name}), which can make text read differently", "text.bidi", char=name
        )
    return Problem(f"contains {name}, a Unicode non-character", "text.noncharacter", char=name)


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why this text is refused, in words an officer can act on; None when it is acceptable."""
    found = (_IN_LINES if multiline else _IN_ONE_LINE).search(value)
    return _describe(found.group()) if found else None


def without_refused(value: str, *, multiline: bool = True) -> str:
    """The text with every refused character taken out: for what residents type, which civicast cannot send back
    to be corrected (officers' text is refused instead, with the field named)."""
    return (_IN_LINES if multiline else _IN_ONE_LINE).sub("", normalise_newlines(value) if multiline else value)


def normalise_newlines(value: str) -> str:
    return value.replace("\r\n", "\n")


def clean_text(field: str, value: str, *, multiline: bool = False, max_length: int | None = None) -> str:
    """The text as it will be stored (CRLF as LF in multi-line fields), or TextRefused naming the field."""
    if multiline:
        value = normalise_newlines(value)
    problem = text_problem(value, multiline=multiline)
    if problem:
        raise TextRefused(field, problem)
    if max_length is not None and len(value) > max_length:
        raise TextRefused(field, Problem(f"is longer than {max_length} characters", "text.too_long", limit=max_length))
    return value


def field_problems(fields: Iterable[tuple[str, str]], *, multiline: Container[str] = ()) -> dict[str, str]:
    """Refused text among (name, value) pairs, such as a form's or a query's, by field name (a name that is itself
    refused is given in escapes); fields named in ``multiline`` may hold newlines and tabs."""
    found: dict[str, str] = {}
    for name, value in fields:
        lines = name in multiline
        problem = text_problem(name) or text_problem(normalise_newlines(value) if lines else value, multiline=lines)
        if problem:
            found.setdefault(ascii(name) if text_problem(name) else name, problem)
    return found


def nested_text_problems(value: Any, path: str, *, multiline: bool = False) -> dict[str, str]:
    """Every string anywhere in a JSON-like value that would be refused, by its path (``params.name[2]``)."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        problem = text_problem(normalise_newlines(value), multiline=multiline)
        if problem:
            found[path] = problem
    elif isinstance(value, Mapping):
        for key, item in value.items():
            key_text = str(key)
            problem = text_problem(key_text)
            if problem:  # named in escapes: the name itself could not even be written back in an answer
                found[f"{path}.{ascii(key_text)}" if path else ascii(key_text)] = f"a field name {problem}"
                continue
            found.update(nested_text_problems(item, f"{path}.{key_text}" if path else key_text, multiline=multiline))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found.update(nested_text_problems(item, f"{path}[{index}]", multiline=multiline))
    return found
