"""``civicast cap``: alerts from the national platform — import files, list what came in, show one, the rules."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from bot.cli.base import AppContext, RuntimeFailure, UserError, command_errors, officer_options
from bot.office.accounts import Actor, Permission
from ingest.models import IncomingAlert, Outcome
from ingest.rules import current_rules
from messages.i18n import TAIPEI

ACCEPTED = (Outcome.SENT, Outcome.TRAINING, Outcome.DRAFTED, Outcome.UPDATED, Outcome.CANCELLED)
MAX_FILES = 10_000


def outcome_line(outcome: Outcome, reason: str | None, notice_id: int | None) -> str:
    """One outcome as a person reads it: accepted (what was done), duplicate, ignored or rejected, and why."""
    word = "accepted" if outcome in ACCEPTED else outcome.value
    detail = f"{outcome.value}, notice {notice_id}" if outcome in ACCEPTED and notice_id else ""
    why = "; ".join(part for part in (detail, reason or "") if part)
    return f"{word}: {why}" if why else word


def _files(paths: tuple[Path, ...]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(item for item in path.rglob("*") if item.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise UserError(f"{path}: no such file or directory")
    if len(found) > MAX_FILES:
        raise UserError(f"{len(found)} files: import at most {MAX_FILES} at a time")
    return found


@click.group("cap")
def cap_group() -> None:
    """Alerts from Taiwan's national CAP platform: import files, see what came in and what was done."""


@cap_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@officer_options
@click.pass_obj
@command_errors
def import_command(app: AppContext, paths: tuple[Path, ...], actor: Actor) -> None:
    """Import CAP files (or directories of them) as if the platform had pushed them; one line per file.

    Exits 0 when every file was handled, refused ones included."""
    actor.require(Permission.COMPOSE)
    intake = app.services.alert_intake
    limit = intake.limits.max_bytes
    for path in _files(paths):
        try:
            with path.open("rb") as handle:
                document = handle.read(limit + 1)
        except OSError as exc:
            raise RuntimeFailure(f"{path}: cannot be read: {exc.strerror or exc}") from None
        origin = f"{path.name} (imported by {actor.username})"
        if len(document) > limit:
            received = intake.receive(
                document[:limit], source="file", origin=origin, truncated_from=path.stat().st_size
            )
            click.echo(f"{path}: {outcome_line(received.outcome, received.reason, None)}")
            continue
        received, decision = intake.receive_and_decide(document, source="file", origin=origin)
        if decision is None:
            click.echo(f"{path}: {outcome_line(received.outcome, received.reason, None)}")
        else:
            click.echo(f"{path}: {outcome_line(decision.outcome, decision.reason, decision.notice_id)}")


def _row_json(row: IncomingAlert) -> dict[str, object]:
    return {
        "id": row.id,
        "received_at": row.received_at.isoformat(),
        "source": row.source,
        "origin": row.origin,
        "digest": row.digest,
        "size": row.size,
        "sender": row.sender,
        "identifier": row.identifier,
        "sent": row.sent,
        "status": row.status,
        "msg_type": row.msg_type,
        "event_code": row.event_code,
        "headline": row.headline,
        "kind": row.kind,
        "districts": row.districts,
        "outcome": row.outcome,
        "reason": row.reason,
        "rule": row.rule,
        "notice_id": row.notice_id,
        "duplicate_of": row.duplicate_of,
    }


@cap_group.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--outcome", type=click.Choice([o.value for o in Outcome]), default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@command_errors
def list_command(app: AppContext, limit: int, outcome: str | None, as_json: bool) -> None:
    """What came in, newest first: when, from where, the alert, and what civicast did and why."""
    with app.services.session_factory() as session:
        query = select(IncomingAlert).order_by(IncomingAlert.id.desc()).limit(limit)
        if outcome:
            query = query.where(IncomingAlert.outcome == outcome)
        rows = list(session.scalars(query))
        if as_json:
            click.echo(json.dumps([_row_json(row) for row in rows], ensure_ascii=False, indent=2))
            return
        if not rows:
            click.echo("nothing has come in")
        for row in rows:
            when = row.received_at.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M:%S")
            what = " ".join(part for part in (row.status, row.msg_type, row.event_code or "", row.kind or "") if part)
            click.echo(
                f"#{row.id} {when} {row.source} {row.origin or ''} | {row.sender or '-'} "
                f"{row.identifier or '-'} | {what or '-'} | "
                f"{outcome_line(Outcome(row.outcome), row.reason, row.notice_id)}"
            )


@cap_group.command("show")
@click.argument("incoming_id", type=click.IntRange(1, 2_147_483_647))
@click.option("--raw", is_flag=True, help="Print the document exactly as it came in.")
@click.pass_obj
@command_errors
def show_command(app: AppContext, incoming_id: int, raw: bool) -> None:
    """One incoming document: its record, or (--raw) its bytes."""
    with app.services.session_factory() as session:
        row = session.get(IncomingAlert, incoming_id)
        if row is None:
            raise UserError(f"there is no incoming alert {incoming_id}")
        if raw:
            click.echo(row.raw, nl=False)  # bytes go to the binary stdout as they are
            return
        click.echo(json.dumps(_row_json(row), ensure_ascii=False, indent=2))


@cap_group.command("rules")
@click.pass_obj
@command_errors
def rules_command(app: AppContext) -> None:
    """The ingest rules in order: the first that matches an alert decides (admins change them on the console)."""
    app.services.seed_ingest_rules()
    with app.services.session_factory() as session:
        for position, rule in enumerate(current_rules(session), start=1):
            conditions = [f"kind {rule.kind}"]
            if rule.min_severity:
                conditions.append(f"severity ≥ {rule.min_severity}")
            if rule.min_level:
                conditions.append(f"level ≥ {rule.min_level}")
            if rule.districts:
                conditions.append(f"in {', '.join(rule.districts)}")
            duty = " (duty officers told)" if rule.notify_duty else ""
            click.echo(f"{position}. {rule.name}: {', '.join(conditions)} → {rule.action.value}{duty}")
