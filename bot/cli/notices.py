"""``civicast kinds`` and ``civicast compose``: the notice kinds and the composer preview."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from bot.cli.base import AppContext, RuntimeFailure, UserError, parse_assignments
from messages.cap import AlertHeader, build_alert
from messages.i18n import LANGUAGES, UnknownLanguage, get_language
from messages.kinds import UnknownKind, default_kind_book
from messages.kinds_json import kinds_as_json
from messages.models import new_identifier
from messages.params import InvalidParameters


@click.command("kinds")
@click.option("--json", "as_json", is_flag=True, help="Print the kinds as JSON.")
def kinds_command(as_json: bool) -> None:
    """List notice kinds with their topic and parameters."""
    book = default_kind_book()
    if as_json:
        click.echo(json.dumps(kinds_as_json(book), ensure_ascii=False, indent=2))
        return
    for kind in book.kinds.values():
        params = ", ".join(f"{p.name}{'' if p.required else '?'}:{p.type.value}" for p in kind.params.values())
        click.echo(f"{kind.id:<22} {kind.topic.value:<10} {params}")


def _languages(option: str, configured: tuple[str, ...]) -> list[str]:
    if option == "all":
        return list(configured)
    try:
        return [get_language(code.strip()).code for code in option.split(",") if code.strip()]
    except UnknownLanguage as exc:
        raise UserError(str(exc)) from None


@click.command("compose")
@click.argument("kind")
@click.option("-p", "--param", "assignments", multiple=True, metavar="NAME=VALUE", help="A parameter (repeatable).")
@click.option("--example", is_flag=True, help="Use the kind's example parameters (-p values override them).")
@click.option(
    "--lang",
    "lang_option",
    default="all",
    show_default=True,
    metavar="LANG|all",
    help="A language code, a comma-separated list, or all.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "cap"]), default="text", show_default=True)
@click.option("--free-text", default=None, help="The officer's own text, machine translated where needed.")
@click.option("--free-text-lang", default="zh-Hant", show_default=True, help="Language of --free-text.")
@click.option("--training", is_flag=True, help="Compose as a training notice (marked TEST, CAP status Test).")
@click.option("--effective", default=None, metavar="TIME", help="When the notice takes effect (ISO 8601, Taipei time).")
@click.option("--expires", default=None, metavar="TIME", help="When the notice expires (ISO 8601, Taipei time).")
@click.option(
    "--severity",
    type=click.Choice(["Extreme", "Severe", "Moderate", "Minor", "Unknown"]),
    default=None,
    help="Override the kind's default severity.",
)
@click.pass_obj
def compose_command(
    app: AppContext,
    kind: str,
    assignments: tuple[str, ...],
    example: bool,
    lang_option: str,
    fmt: str,
    free_text: str | None,
    free_text_lang: str,
    training: bool,
    effective: str | None,
    expires: str | None,
    severity: str | None,
) -> None:
    """Compose a notice of KIND in every language and print it."""
    services = app.services
    try:
        kind_def = services.kinds.get(kind)
    except UnknownKind as exc:
        raise UserError(str(exc)) from None
    if not example and not assignments and kind_def.params and any(p.required for p in kind_def.params.values()):
        raise UserError(f"give the parameters of {kind} with -p NAME=VALUE, or use --example")
    params = dict(kind_def.example_params) if example else {}
    params.update(parse_assignments(assignments))
    languages = _languages(lang_option, app.settings.languages)
    try:
        get_language(free_text_lang)
        notice = services.composer.new_notice(
            kind,
            params,
            training=training,
            free_text=free_text,
            free_text_lang=free_text_lang,
            severity=severity,
            effective=effective,
            expires=expires,
        )
    except (InvalidParameters, UnknownLanguage, ValueError) as exc:
        raise UserError(str(exc)) from None
    notice.identifier = new_identifier()
    free_texts = None
    if notice.free_text:
        try:
            free_texts = services.localiser.localise(notice.free_text, notice.free_text_lang, languages)
        except Exception as exc:  # the database is the likely cause: say so without a traceback
            raise RuntimeFailure(f"could not localise the free text: {exc} (has `civicast db upgrade` run?)") from None
    localised = services.composer.compose_all(notice, languages, free_texts)

    if fmt == "json":
        document = {
            "kind": kind,
            "identifier": notice.identifier,
            "topic": notice.topic,
            "training": training,
            "params": notice.params,
            "districts": notice.districts,
            "languages": {code: ln.as_dict() for code, ln in localised.items()},
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    elif fmt == "cap":
        header = AlertHeader(
            identifier=notice.identifier,
            sender=app.settings.cap.sender,
            sent=datetime.now(UTC),
            status="Test" if training else "Actual",
            msg_type="Alert",
        )
        click.echo(build_alert(header, kind_def, localised.values(), services.glossary).decode("utf-8"), nl=False)
    else:
        for code, ln in localised.items():
            language = LANGUAGES[code]
            click.echo(f"=== {code} · {language.native_name} ===")
            click.echo(ln.plain_text)
            if ln.held:
                click.echo("(free text held for review in this language)")
            click.echo()
