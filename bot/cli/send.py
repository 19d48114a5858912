"""Officers' commands: create, submit, approve, reject, update, send, schedule and cancel notices; the report.

Every command that changes a notice acts as a named officer (``--by``, after their password) through the
office's desk, the same rules and audit log as the console and the API.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import select

from bot.cli.base import (
    LINES,
    NOTICE_ID,
    TEXT,
    AppContext,
    UserError,
    command_errors,
    officer_options,
    parse_assignments,
)
from bot.cli.channels import echo_paused_channels
from bot.cli.confirm import Confirming, confirm_options
from bot.office import desk, drafts, notice_rules
from bot.office.accounts import Actor
from bot.office.notice_rules import Verb
from bot.office.quota import quota_channels
from messages.models import Notice
from messages.params import parse_datetime
from scheduler.report import delivery_report
from scheduler.sending import check_schedule_time

SEVERITIES = click.Choice(["Extreme", "Severe", "Moderate", "Minor", "Unknown"])


def _notice_input(
    app: AppContext,
    kind: str,
    assignments: tuple[str, ...],
    *,
    example: bool,
    training: bool,
    free_text: str | None,
    free_text_lang: str,
    severity: str | None,
    effective: str | None,
    expires: str | None,
    ask_checkin: bool | None = None,
    base: Notice | None = None,
) -> drafts.NoticeInput:
    params = dict(base.params) if base is not None else {}
    if example:
        params.update(app.services.kinds.get(kind).example_params)
    params.update(parse_assignments(assignments))
    return drafts.NoticeInput(
        kind=kind,
        params=params,
        severity=severity or (base.severity if base else None),
        free_text=free_text if free_text is not None else (base.free_text if base else None),
        free_text_lang=free_text_lang,
        training=training,
        effective=effective,
        expires=expires if expires is not None else (base.expires if base else None),
        ask_checkin=ask_checkin if ask_checkin is not None else bool(base.ask_checkin if base else False),
    )


def _content_options(command):
    for option in reversed(
        (
            click.option(
                "-p", "--param", "assignments", multiple=True, metavar="NAME=VALUE", help="A parameter (repeatable)."
            ),
            click.option("--free-text", default=None, type=LINES, help="The officer's own text, machine translated."),
            click.option("--free-text-lang", default="zh-Hant", show_default=True, type=TEXT),
            click.option("--severity", default=None, type=SEVERITIES, help="Override the level's severity."),
            click.option("--effective", default=None, type=TEXT, metavar="TIME", help="When it takes effect (Taipei)."),
            click.option("--expires", default=None, type=TEXT, metavar="TIME", help="When it expires (Taipei time)."),
            click.option(
                "--ask-checkin/--no-ask-checkin",
                "ask_checkin",
                default=None,
                help='Ask recipients "Are you safe?" (LINE: I\'m safe / I need help); an Update keeps the '
                "original's unless told.",
            ),
        )
    ):
        command = option(command)
    return command


@click.group("notice")
def notice_group() -> None:
    """Create, submit, approve, reject, update and list notices."""


@notice_group.command("create")
@click.argument("kind", type=TEXT)
@_content_options
@click.option("--example", is_flag=True, help="Start from the kind's example parameters.")
@click.option("--training", is_flag=True, help="A training notice: marked TEST, only to test recipients.")
@officer_options
@click.pass_obj
@command_errors
def notice_create(
    app: AppContext,
    kind: str,
    assignments: tuple[str, ...],
    free_text: str | None,
    free_text_lang: str,
    severity: str | None,
    effective: str | None,
    expires: str | None,
    ask_checkin: bool | None,
    example: bool,
    training: bool,
    actor: Actor,
) -> None:
    """Create a draft notice of KIND as the officer --by and print its id."""
    data = _notice_input(
        app,
        kind,
        assignments,
        example=example,
        training=training,
        free_text=free_text,
        free_text_lang=free_text_lang,
        severity=severity,
        effective=effective,
        expires=expires,
        ask_checkin=ask_checkin,
    )
    with app.services.session_factory.begin() as session:
        notice = drafts.compose_notice(session, app.services.composer, actor, data, now=datetime.now(UTC))
        click.echo(notice.id)


@notice_group.command("submit")
@click.argument("notice_id", type=NOTICE_ID)
@officer_options
@click.pass_obj
@command_errors
def notice_submit(app: AppContext, notice_id: int, actor: Actor) -> None:
    """Submit a draft for a second officer's approval."""
    svc = app.services
    with svc.session_factory.begin() as session:
        desk.submit_notice(
            session, actor, notice_id, glossary=svc.glossary, channels=svc.channel_limits, now=datetime.now(UTC)
        )
    click.echo(f"notice {notice_id} submitted by {actor.username}")


@notice_group.command("approve")
@click.argument("notice_id", type=NOTICE_ID)
@click.option(
    "--acknowledge-untranslated",
    is_flag=True,
    help="Approve although some languages would show the free text untranslated.",
)
@officer_options
@click.pass_obj
@command_errors
def notice_approve(app: AppContext, notice_id: int, acknowledge_untranslated: bool, actor: Actor) -> None:
    """Approve a notice (a live one needs an approver who neither wrote, changed nor submitted it)."""
    desk.approve_notice(app.services.dispatch, actor, notice_id, acknowledge_untranslated=acknowledge_untranslated)
    click.echo(f"notice {notice_id} approved by {actor.username}")


@notice_group.command("reject")
@click.argument("notice_id", type=NOTICE_ID)
@click.option("--reason", required=True, type=LINES, help="Why, so the author can correct it.")
@officer_options
@click.pass_obj
@command_errors
def notice_reject(app: AppContext, notice_id: int, reason: str, actor: Actor) -> None:
    """Send a submitted notice back to its author with a reason."""
    with app.services.session_factory.begin() as session:
        desk.reject_notice(session, actor, notice_id, reason, now=datetime.now(UTC))
    click.echo(f"notice {notice_id} rejected by {actor.username}")


@notice_group.command("update")
@click.argument("notice_id", type=NOTICE_ID)
@_content_options
@officer_options
@click.pass_obj
@command_errors
def notice_update(
    app: AppContext,
    notice_id: int,
    assignments: tuple[str, ...],
    free_text: str | None,
    free_text_lang: str,
    severity: str | None,
    effective: str | None,
    expires: str | None,
    ask_checkin: bool | None,
    actor: Actor,
) -> None:
    """Draft an Update of a notice that went out (-p changes its parameters) and print the Update's id."""
    svc = app.services
    with svc.session_factory.begin() as session:
        original = notice_rules.load(session, actor, notice_id)
        data = _notice_input(
            app,
            original.kind,
            assignments,
            example=False,
            training=bool(original.training),
            free_text=free_text,
            free_text_lang=free_text_lang,
            severity=severity,
            effective=effective,
            expires=expires,
            ask_checkin=ask_checkin,
            base=original,
        )
        update = drafts.issue_update(session, svc.composer, actor, notice_id, data, now=datetime.now(UTC))
        click.echo(update.id)


@notice_group.command("list")
@click.option("--status", default=None, type=TEXT, help="Only notices in this status (draft, scheduled, missed, ...).")
@click.pass_obj
@command_errors
def notice_list(app: AppContext, status: str | None) -> None:
    """List notices, newest first."""
    with app.services.session_factory() as session:
        query = select(Notice).order_by(Notice.id.desc()).limit(200)
        if status:
            query = query.where(Notice.status == status)
        for notice in session.scalars(query):
            when = notice.send_at or notice.sent_at
            click.echo(
                f"{notice.id:>6}  {notice.status:<10} {notice.kind:<22} {'TEST ' if notice.training else ''}"
                f"{notice.msg_type:<6} {when.isoformat(timespec='minutes') if when else '-'}"
            )


@click.command("send")
@click.argument("notice_id", type=NOTICE_ID)
@click.option(
    "--exceed-quota",
    is_flag=True,
    help="Send even if the notice needs more LINE messages than this month's quota has left.",
)
@confirm_options
@officer_options
@click.pass_obj
@command_errors
def send_command(app: AppContext, notice_id: int, exceed_quota: bool, actor: Actor, confirm: Confirming) -> None:
    """Send an approved notice now (workers deliver it), after printing what it will do and asking (--yes: without
    asking). LINE's monthly quota is asked first: a notice needing more messages (one per LINE resident) than are
    left is refused unless --exceed-quota."""
    svc = app.services
    confirmation = confirm.ask(app, actor, notice_id, verb=Verb.SEND)
    result = desk.send_notice_now(
        svc.dispatch,
        actor,
        notice_id,
        channels=svc.channel_limits,
        quotas=svc.channels,
        exceed_quota=exceed_quota,
        confirmation=confirmation,
    )
    counts = ", ".join(f"{channel}: {sum(langs.values())}" for channel, langs in result.recipients.items())
    click.echo(f"notice {notice_id}: {result.deliveries} deliveries queued ({counts})")


@click.command("schedule")
@click.argument("notice_id", type=NOTICE_ID)
@click.option(
    "--at", "at", default=None, type=TEXT, metavar="TIME", help="ISO 8601 time (Taipei time without an offset)."
)
@click.option(
    "--cron", default=None, type=TEXT, metavar="EXPR", help='Recurring: "minute hour day month weekday", Taipei time.'
)
@confirm_options
@officer_options
@click.pass_obj
@command_errors
def schedule_command(
    app: AppContext, notice_id: int, at: str | None, cron: str | None, actor: Actor, confirm: Confirming
) -> None:
    """Schedule an approved notice once (--at) or recurring (--cron), after printing what it will do and asking
    (--yes: without asking); a recurrence prints its next five times."""
    svc = app.services
    try:
        when = parse_datetime(at) if at else None
    except ValueError as exc:
        raise UserError(f"--at: {exc}") from None
    now = datetime.now(UTC)
    minimum = timedelta(minutes=svc.settings.scheduler.live_min_interval_minutes)

    def checks(notice: Notice) -> None:
        check_schedule_time(when, now=now)
        if cron is not None:
            desk.check_recurrence(cron, live=not notice.training, now=now, live_min_interval=minimum)

    confirmation = confirm.ask(app, actor, notice_id, verb=Verb.SCHEDULE, at=when, cron=cron, checks=checks)
    with svc.session_factory.begin() as session:
        notice = desk.schedule_notice(
            session,
            actor,
            notice_id,
            at=when,
            cron=cron,
            glossary=svc.glossary,
            channels=svc.channel_limits,
            now=now,
            live_min_interval=minimum,
            confirmation=confirmation,
            kinds=svc.kinds,
        )
        training = bool(notice.training)
    if when:
        click.echo(f"notice {notice_id} scheduled at {when.isoformat()}")
        return
    click.echo(f"notice {notice_id} scheduled every {cron}; next:")
    for fire in desk.check_recurrence(str(cron), live=not training, now=now, live_min_interval=minimum):
        click.echo(f"  {fire.isoformat(timespec='minutes')}")


@click.command("cancel")
@click.argument("notice_id", type=NOTICE_ID)
@officer_options
@click.pass_obj
@command_errors
def cancel_command(app: AppContext, notice_id: int, actor: Actor) -> None:
    """Cancel a notice: stop it if unsent; if it went out, write a Cancel for a second officer to approve and send."""
    result = desk.cancel_notice(app.services.dispatch, actor, notice_id)
    if result.id == notice_id:
        click.echo(f"notice {notice_id} cancelled before it was sent")
    else:
        click.echo(
            f"notice {notice_id}: Cancel notice {result.id} written and submitted; once approved and sent "
            "it withdraws the notice from everyone who received it"
        )


@click.command("report")
@click.argument("notice_id", type=NOTICE_ID)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@command_errors
def report_command(app: AppContext, notice_id: int, as_json: bool) -> None:
    """Delivery per channel × language: targeted, sent, failed, dead, pending, first and last send."""
    app.services.flush_message_counts()
    with app.services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        if notice is None:
            raise UserError(f"there is no notice {notice_id}")
        report = delivery_report(session, notice_id, counted=quota_channels(app.services.channels))
        report["status"] = notice.status
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"notice {notice_id} ({report['status']})")
    header = f"{'channel':<12} {'language':<9} {'targeted':>9} {'sent':>9} {'failed':>7} {'dead':>6} {'pending':>8}"
    click.echo(header)
    for channel, entry in report["channels"].items():
        for language, row in sorted(entry["languages"].items()):
            click.echo(
                f"{channel:<12} {language:<9} {row['targeted']:>9} {row['sent']:>9} {row['failed']:>7} "
                f"{row['dead']:>6} {row['pending']:>8}"
            )
        for error in entry.get("errors", []):
            click.echo(f"  {channel}: {error['deliveries']} × {error['error']}")
    untranslated = report["untranslated"]
    if untranslated["languages"]:
        click.echo(
            f"free text untranslated in {', '.join(untranslated['languages'])}: "
            f"{untranslated['residents']} residents read the original"
        )
    occurrences = report.get("occurrences")
    if occurrences:
        click.echo(f"occurrences: {occurrences['total']}, missed: {occurrences['missed']}")
        for item in occurrences["items"]:
            click.echo(f"  {item['occurrence_at'] or '-'}  notice {item['notice_id']}  {item['status']}")
    for channel, messages in report["messages"].items():
        if channel not in report["channels"]:
            continue
        paid, free = messages["paid"], messages["free"]
        label = getattr(app.services.channels.get(channel), "label", channel)
        click.echo(
            f"{label} messages: this notice {messages['notice']['paid']:,} paid; in {messages['month']} "
            f"{paid['total']:,} paid (notices {paid['multicast']:,}, bot pushes {paid['push']:,}), "
            f"{free['total']:,} free (bot replies)"
        )
    echo_paused_channels(report)
