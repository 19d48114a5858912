"""Text refused at the console's door: every form field and query parameter is checked before any view runs.

A value holding control characters, NUL, lone surrogates, non-characters or bidirectional overrides
(``messages.text``) is refused with a page naming the field, and nothing is stored. The compose, edit and
Update forms name their fields themselves, next to each field (the composer checks them), and the sign-in
answers every refusal the same way, so they pass here.
"""

from __future__ import annotations

from flask import render_template, request

from bot.console import blueprint
from bot.console.refusals import localised, text_problem
from bot.console.ui import translate
from messages.text import field_problems

# Views whose form is checked where it is shown again: the notice forms (the composer names each field), and the
# sign-in, which answers every refusal alike (an odd username is simply no username) and stores nothing typed.
# The ingest rule forms (views_ingest_rules) also name each refused field next to it.
CHECKED_BY_THEIR_FORM = frozenset(
    {
        "console.compose",
        "console.edit",
        "console.update",
        "console.login",
        "console.ingest_rule_create",
        "console.ingest_rule_edit",
    }
)
MULTI_LINE_FIELDS = frozenset({"free_text", "reason", "note", "text", "questions", "answer"})


class TextRefusedAtDoor(Exception):
    def __init__(self, problems: dict[str, str], status: int) -> None:
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems.items()))
        self.problems = problems
        self.status = status


@blueprint.before_request
def refuse_bad_text() -> None:
    refused = field_problems(request.args.items(multi=True))
    if refused:
        raise TextRefusedAtDoor(refused, 400)
    if request.method == "POST" and request.endpoint not in CHECKED_BY_THEIR_FORM:
        refused = field_problems(request.form.items(multi=True), multiline=MULTI_LINE_FIELDS)
        if refused:
            raise TextRefusedAtDoor(refused, 422)


@blueprint.errorhandler(TextRefusedAtDoor)
def _refused_page(exc: TextRefusedAtDoor) -> tuple[str, int]:
    lines = [
        translate("text.refused_field", field=localised(name), reason=text_problem(reason))
        for name, reason in exc.problems.items()
    ]
    return render_template(
        "console/error.html",
        title=translate("text.refused_title"),
        message=translate("text.refused", fields="; ".join(lines)),
    ), exc.status
