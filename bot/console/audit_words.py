"""What an audit row says, in the officer's console language (the audit log page, a notice's history).

The office writes each row's summary in English and keeps its code and parameters in ``detail["said"]``
(``messages.said``); here the code is the console string ``audit_said.<code>`` and each parameter is put into the
officer's words by its kind: a status or a role by its console name, a time in Taipei, languages and districts by
name, a nested part said the same way. Words someone typed (a reason, a name, an address) are shown as they were
typed and marked as content. A row written before rows had codes shows its English summary, marked as English.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from flask import g
from markupsafe import Markup, escape

from bot.console import blueprint
from bot.console.names import district_name, language_label
from bot.console.refusals import list_of
from bot.console.ui import Text, load_strings, translate
from bot.console.views_case_desk import agency_names
from bot.console.views_notices import kind_title
from messages.i18n import TAIPEI
from messages.plurals import COUNT, placeholder_names

KEY = "audit_said.{}".format
log = logging.getLogger(__name__)
NOTHING = Markup("—")


@blueprint.app_template_global("audit_said")
def audit_said(entry: Any) -> Markup:
    """The entry's summary in the officer's words; its stored English (marked ``lang="en"``) when it has no code
    the console knows; a dash when it says nothing."""
    said = (entry.detail or {}).get("said") if isinstance(entry.detail, dict) else None
    if isinstance(said, dict) and KEY(said.get("code")) in load_strings():
        try:
            return said_text(said, _names())
        except (KeyError, TypeError, ValueError):  # parameters unlike the catalog's (a row from another version)
            log.warning("audit row %s: its code %r does not fit the console's words", entry.id, said.get("code"))
    if entry.summary:
        return Markup('<span lang="en">{}</span>').format(entry.summary)
    return NOTHING


def _names() -> _Names:
    """One reader of names for the whole page: the agencies are read once however many rows name one."""
    if "audit_names" not in g:
        g.audit_names = _Names()
    names: _Names = g.audit_names
    return names


class _Names:
    """Agencies by name, read once per rendering and only when a row names one."""

    def __init__(self) -> None:
        self._agencies: dict[str, str] | None = None

    def agency(self, key: str) -> str | None:
        if self._agencies is None:
            self._agencies = agency_names()
        return self._agencies.get(key)


def said_text(said: dict[str, Any], names: _Names) -> Markup:
    """``audit_said.<code>`` with its parameters filled, each escaped or already markup."""
    params, kinds = said.get("params") or {}, said.get("kinds") or {}
    wanted = placeholders(load_strings()[KEY(said["code"])])
    if not wanted <= set(params):
        raise KeyError(f"audit_said.{said['code']} says {sorted(wanted - set(params))}, which the row lacks")
    shown = {name: _param(kinds.get(name, "text"), value, names) for name, value in params.items() if name != COUNT}
    tokens = {name: f"\x00{index}\x00" for index, name in enumerate(shown)}
    count = params.get(COUNT)
    text = str(escape(translate(KEY(said["code"]), **tokens, **({COUNT: count} if isinstance(count, int) else {}))))
    for name, token in tokens.items():
        text = text.replace(token, str(shown[name]))
    return Markup(text)


def placeholders(texts: dict[str, Text]) -> set[str]:
    """The names a console string fills, in any of its languages and plural forms."""
    names: set[str] = set()
    for text in texts.values():
        for form in text.values() if isinstance(text, dict) else [text]:
            names |= placeholder_names(form)
    return names


def _param(kind: str, value: Any, names: _Names) -> Markup:
    if kind == "said" and isinstance(value, dict):
        return said_text(value, names)
    if kind in ("number", "count") and isinstance(value, int):
        return escape(f"{value:,}")
    if kind == "time":
        return escape(f"{datetime.fromisoformat(value).astimezone(TAIPEI):%Y-%m-%d %H:%M}")
    if kind == "date":
        return escape(date.fromisoformat(value).isoformat())
    if kind == "duration":
        return escape(str(timedelta(seconds=int(value))))
    if kind == "languages":
        return escape(list_of([language_label(code) for code in value]))
    if kind == "districts":
        return escape(list_of([district_name(key) for key in value]))
    if kind == "codes":
        return Markup('<span class="code">{}</span>').format(", ".join(value))
    if kind == "word":
        return _word(str(value), names)
    return Markup("<span data-content>{}</span>").format(value)


def _word(key: str, names: _Names) -> Markup:
    """An enumerated word: its console string, a notice kind's title, an agency's name; else as stored, as content."""
    prefix, _, value = key.partition(".")
    if key in load_strings():
        return escape(translate(key))
    if prefix == "kind":
        return escape(kind_title(value))
    if prefix == "agency" and (name := names.agency(value)):
        return escape(name)
    return Markup("<span data-content>{}</span>").format(value or key)
