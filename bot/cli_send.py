"""Officers' commands until the console exists: create, approve, send, schedule, cancel, report."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.cli_base import AppContext, RuntimeFailure, UserError, parse_assignments
from bot.cli_channels import echo_paused_channels
from messages.kinds import UnknownKind
from messages.models import Notice
from messages.params import InvalidParameters, parse_datetime
from scheduler.fanout import NotDue
from scheduler.report import delivery_report
from scheduler.sending import NoticeActionError, approve, cancel, schedule, send_now, submit


def _database_errors(action):  # type: ignore[no-untyped-def]
    """Database and rule errors as one line each, never a traceback."""

    def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return action(*args, **kwargs)
        except (NoticeActionError, NotDue) as exc:
            raise UserError(str(exc)) from None
        except SQLAlchemyError as exc:
            raise RuntimeFailure(f"database error: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc} "
                                 "(has `civicast db upgrade` run?)") from None

    wrapped.__name__ = action.__name__
    wrapped.__doc__ = action.__doc__
    return wrapped


@click.group("notice")
def notice_group() -> None:
    """Create and approve notices."""


@notice_group.command("create")
@click.argument("kind")
@click.option("-p", "--param", "assignments", multiple=True, metavar="NAME=VALUE")
@click.option("--example", is_flag=True, help="Start from the kind's example parameters.")
@click.option("--training", is_flag=True, help="A training notice: marked TEST, only to test recipients.")
@click.option("--author", required=True, help="The officer composing the notice.")
@click.option("--free-text", default=None)
@click.option("--free-text-lang", default="zh-Hant", show_default=True)
@click.option("--severity", default=None, type=click.Choice(["Extreme", "Severe", "Moderate", "Minor", "Unknown"]))
@click.option("--expires", default=None, metavar="TIME")
@click.pass_obj
@_database_errors
def notice_create(app: AppContext, kind: str, assignments: tuple[str, ...], example: bool, training: bool,
                  author: str, free_text: str | None, free_text_lang: str, severity: str | None,
                  expires: str | None) -> None:
    """Create a draft notice of KIND and print its id."""
    services = app.services
    try:
        params = dict(services.kinds.get(kind).example_params) if example else {}
        params.update(parse_assignments(assignments))
        notice = services.composer.new_notice(kind, params, training=training, free_text=free_text,
                                              free_text_lang=free_text_lang, severity=severity, expires=expires,
                                              author=author)
    except (UnknownKind, InvalidParameters, ValueError) as exc:
        raise UserError(str(exc)) from None
    with services.session_factory.begin() as session:
        session.add(notice)
        session.flush()
        click.echo(notice.id)


@notice_group.command("submit")
@click.argument("notice_id", type=int)
@click.pass_obj
@_database_errors
def notice_submit(app: AppContext, notice_id: int) -> None:
    """Submit a draft for approval."""
    with app.services.session_factory.begin() as session:
        submit(session, notice_id)
    click.echo(f"notice {notice_id} submitted")


@notice_group.command("approve")
@click.argument("notice_id", type=int)
@click.option("--by", "approver", required=True, help="The approving officer (not the author, for live notices).")
@click.pass_obj
@_database_errors
def notice_approve(app: AppContext, notice_id: int, approver: str) -> None:
    """Approve a notice (a second officer for live notices)."""
    with app.services.session_factory.begin() as session:
        approve(session, notice_id, approver)
    click.echo(f"notice {notice_id} approved by {approver}")


@notice_group.command("list")
@click.option("--status", default=None, help="Only notices in this status (draft, scheduled, missed, sent, ...).")
@click.pass_obj
@_database_errors
def notice_list(app: AppContext, status: str | None) -> None:
    """List notices, newest first."""
    with app.services.session_factory() as session:
        query = select(Notice).order_by(Notice.id.desc()).limit(200)
        if status:
            query = query.where(Notice.status == status)
        for notice in session.scalars(query):
            when = notice.send_at or notice.sent_at
            click.echo(f"{notice.id:>6}  {notice.status:<10} {notice.kind:<22} {'TEST ' if notice.training else ''}"
                       f"{notice.msg_type:<6} {when.isoformat(timespec='minutes') if when else '-'}")


@click.command("send")
@click.argument("notice_id", type=int)
@click.pass_obj
@_database_errors
def send_command(app: AppContext, notice_id: int) -> None:
    """Send an approved notice now (workers deliver it)."""
    result = send_now(app.services.dispatch, notice_id)
    counts = ", ".join(f"{channel}: {sum(langs.values())}" for channel, langs in result.recipients.items())
    click.echo(f"notice {notice_id}: {result.deliveries} deliveries queued ({counts})")


@click.command("schedule")
@click.argument("notice_id", type=int)
@click.option("--at", "at", default=None, metavar="TIME", help="ISO 8601 time (Taipei time without an offset).")
@click.option("--cron", default=None, metavar="EXPR", help='Recurring: "minute hour day month weekday", Taipei time.')
@click.pass_obj
@_database_errors
def schedule_command(app: AppContext, notice_id: int, at: str | None, cron: str | None) -> None:
    """Schedule an approved notice once (--at) or recurring (--cron)."""
    try:
        when = parse_datetime(at) if at else None
    except ValueError as exc:
        raise UserError(f"--at: {exc}") from None
    with app.services.session_factory.begin() as session:
        schedule(session, notice_id, at=when, cron=cron, now=datetime.now(UTC))
    click.echo(f"notice {notice_id} scheduled {'at ' + when.isoformat() if when else 'every ' + str(cron)}")


@click.command("cancel")
@click.argument("notice_id", type=int)
@click.option("--by", "officer", required=True, help="The officer cancelling.")
@click.pass_obj
@_database_errors
def cancel_command(app: AppContext, notice_id: int, officer: str) -> None:
    """Cancel a notice: stop it if unsent, or send a CAP Cancel to those who received it."""
    result = cancel(app.services.dispatch, notice_id, officer)
    if result.id == notice_id:
        click.echo(f"notice {notice_id} cancelled before it was sent")
    else:
        click.echo(f"notice {notice_id} cancelled; cancellation notice {result.id} is going to its recipients")


@click.command("report")
@click.argument("notice_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@_database_errors
def report_command(app: AppContext, notice_id: int, as_json: bool) -> None:
    """Delivery per channel × language: targeted, sent, failed, dead, pending, first and last send."""
    with app.services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        if notice is None:
            raise UserError(f"there is no notice {notice_id}")
        report = delivery_report(session, notice_id)
        report["status"] = notice.status
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"notice {notice_id} ({report['status']})")
    header = f"{'channel':<12} {'language':<9} {'targeted':>9} {'sent':>9} {'failed':>7} {'dead':>6} {'pending':>8}"
    click.echo(header)
    for channel, entry in report["channels"].items():
        for language, row in sorted(entry["languages"].items()):
            click.echo(f"{channel:<12} {language:<9} {row['targeted']:>9} {row['sent']:>9} {row['failed']:>7} "
                       f"{row['dead']:>6} {row['pending']:>8}")
        for error in entry.get("errors", []):
            click.echo(f"  {channel}: {error['deliveries']} × {error['error']}")
    echo_paused_channels(report)
