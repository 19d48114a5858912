"""A refusal from the office, said in the officer's console language.

The office's errors keep their English message (the command line and the API show it) and carry a stable code with
its parameters (``messages.refusal``); here each code is the console string ``refusal.<code>`` and each parameter is
put into the officer's words: a notice's status, a role, an action, languages by their own names, a time in Taipei,
why a text is refused. An error without a code (none should reach an officer) is shown as its message.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.console import blueprint
from bot.console.ui import load_strings, translate
from bot.conversation.models import CaseStatus
from bot.office.accounts import Permission
from bot.office.models import Role
from bot.office.notice_rules import Verb
from messages.i18n import TAIPEI, UnknownLanguage, get_language
from messages.models import NoticeStatus
from messages.refusal import Problem


def refusal_text(exc: BaseException) -> str:
    """Why the office refused, in the officer's language: ``refusal.<code>`` when the error has one."""
    code = getattr(exc, "code", None)
    key = f"refusal.{code}"
    if code is None or key not in load_strings():
        return str(exc)
    params = {name: localised(value) for name, value in getattr(exc, "params", {}).items()}
    return translate(key, **params)


def refused(exc: BaseException) -> str:
    """The flash of a refused action: "Not done: <why>"."""
    return translate("flash.refused", reason=refusal_text(exc))


@blueprint.app_template_global("said")
def text_problem(problem: str) -> str:
    """What is wrong with a field (a text refused by ``messages.text``, a parameter of the compose form) in the
    officer's words: ``problem.<code>``; a problem without a code is shown as it is."""
    if isinstance(problem, Problem) and f"problem.{problem.code}" in load_strings():
        return translate(
            f"problem.{problem.code}", **{name: localised(value) for name, value in problem.params.items()}
        )
    return str(problem)


def language_names(codes: list[str]) -> str:
    """Languages by their own names ("Tiếng Việt", "ไทย"), listed as the console's language lists things."""
    names = []
    for code in codes:
        try:
            names.append(get_language(code).native_name)
        except UnknownLanguage:
            names.append(code)
    return list_of(names)


def list_of(items: list[str]) -> str:
    return translate("common.list_separator").join(items)


def localised(value: Any) -> Any:
    """One parameter of a refusal in the officer's words; a number or a name stays as it is."""
    if isinstance(value, NoticeStatus):
        return translate(f"status.{value}")
    if isinstance(value, CaseStatus):
        return translate(f"case_status.{value}")
    if isinstance(value, Role):
        return translate(f"role.{value}")
    if isinstance(value, (Verb, Permission)):
        return translate(f"doing.{value}")
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Problem):
        return text_problem(value)
    if isinstance(value, datetime):
        return f"{value.astimezone(TAIPEI):%Y-%m-%d %H:%M}"
    if isinstance(value, list):
        return language_names(value)
    if isinstance(value, str) and f"refused_field.{value}" in load_strings():
        return translate(f"refused_field.{value}")
    return value
