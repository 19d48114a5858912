"""A poll's rows on the compose form: up to six options, each a phrase-bank answer or the officer's own words."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from bot.office.polls import OptionInput
from messages.polls import MAX_OPTIONS, PHRASE_OPTIONS


def options_from_form(form: MultiDict[str, str]) -> list[OptionInput]:
    """The filled option rows, in order: ``option.<n>.phrase`` (a phrase-bank answer) or ``option.<n>.text``."""
    options = []
    for number in range(1, MAX_OPTIONS + 1):
        phrase = (form.get(f"option.{number}.phrase") or "").strip()
        text = form.get(f"option.{number}.text") or ""
        if phrase:
            options.append(OptionInput(phrase_key=phrase))
        elif text.strip():
            options.append(OptionInput(text=text))
    return options


def poll_form_fields() -> dict[str, Any]:
    """What the compose template needs for a poll's rows."""
    return {"poll_rows": range(1, MAX_OPTIONS + 1), "poll_phrases": PHRASE_OPTIONS}
