"""``civicast sandbox`` (the LINE and Graph API stand-ins on their own) and ``civicast channel`` (status, resume)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from bot.cli.base import TEXT, AppContext, RuntimeFailure, UserError, command_errors, officer_options
from bot.office.accounts import Actor
from bot.office.channel_pauses import (
    ResumeCheck,
    ResumeRefused,
    UnknownChannel,
    check_quota,
    describe_quota,
    resume_paused_channel,
)
from messages.i18n import TAIPEI
from scheduler.channel_status import QuotaVerdict, Waiting, channel_statuses


@click.command("sandbox")
@click.option("--host", default=None, help="Address to listen on (default: channels.sandbox.host).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: channels.sandbox.port).")
@click.pass_obj
def sandbox_command(app: AppContext, host: str | None, port: int | None) -> None:
    """Run the sandbox LINE Messaging API and Graph API until interrupted."""
    cfg = app.settings.channels.sandbox
    sandbox = app.services.build_sandbox()
    host, port = host or cfg.host, cfg.port if port is None else port
    click.echo(f"sandbox LINE and Graph APIs on http://{host}:{port} (inboxes at /sandbox); Ctrl-C stops")
    try:
        sandbox.serve_forever(host, port)
    except OSError as exc:
        raise RuntimeFailure(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        click.echo("sandbox stopped")


# ----------------------------------------------------------------------------- civicast channel


def _taipei(value: datetime | None) -> str:
    return value.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M") + " Taipei time" if value else "-"


def _waiting(waiting: Waiting) -> str:
    deliveries = f"{waiting.deliveries:,} deliver{'y' if waiting.deliveries == 1 else 'ies'}"
    if not waiting.residents:  # nothing, or sends to a public channel (a page post) that has no residents
        return deliveries if waiting.deliveries else "nothing"
    return f"{waiting.residents:,} resident{'' if waiting.residents == 1 else 's'} in {deliveries}"


def echo_paused_channels(report: dict[str, Any]) -> None:
    """The paused channels under a notice's delivery report: why, since when, what of it waits on them."""
    for paused in report.get("paused_channels", []):
        mine, everyone = paused["pending"], paused["pending_all_notices"]
        since = datetime.fromisoformat(paused["since"]) if paused["since"] else None
        click.echo(f"{paused['channel']} is PAUSED since {_taipei(since)}: {paused['reason']}")
        click.echo(
            f"  waiting on it: {_waiting(Waiting(mine['deliveries'], mine['residents']))} of this notice "
            f"({_waiting(Waiting(everyone['deliveries'], everyone['residents']))} for all notices); "
            f"`civicast channel resume {paused['channel']} --by NAME` checks the quota and resumes it"
        )


@click.group("channel")
def channel_group() -> None:
    """Channels' state: paused (LINE's monthly quota used up) or sending; resume a paused one."""


@channel_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@command_errors
def channel_status_command(app: AppContext, as_json: bool) -> None:
    """Each channel: sending or paused (since when, why), what waits on it, and LINE's quota this month."""
    services = app.services
    with services.session_factory() as session:
        statuses = channel_statuses(session, services.channels)
    checks = {status.channel: check_quota(services.channels.get(status.channel), status) for status in statuses}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "channels": [
                        {**status.as_dict(), "quota": _quota_json(checks[status.channel])} for status in statuses
                    ]
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for status in statuses:
        state = f"PAUSED since {_taipei(status.since)}: {status.reason}" if status.paused else "sending"
        click.echo(f"{status.channel:<12} {state}")
        click.echo(f"{'':<12} waiting: {_waiting(status.waiting)}")
        check = checks[status.channel]
        if check.verdict is not QuotaVerdict.NOT_CHECKED:
            click.echo(f"{'':<12} quota: {describe_quota(check)}")


def _quota_json(check: ResumeCheck) -> dict[str, Any] | None:
    if check.verdict is QuotaVerdict.NOT_CHECKED:
        return None
    quota = check.quota
    return {
        "used": quota.used if quota else None,
        "limit": quota.limit if quota else None,
        "error": check.quota_error,
        "verdict": check.verdict.value,
    }


@channel_group.command("resume")
@click.argument("name", type=TEXT)
@click.option("--force", is_flag=True, help="Resume even if the quota is still used up or cannot be read.")
@officer_options
@click.pass_obj
@command_errors
def channel_resume(app: AppContext, name: str, force: bool, actor: Actor) -> None:
    """Resume a channel civicast paused, as the officer --by (one who may send), once its platform's quota allows
    (LINE: asked first)."""
    services = app.services
    try:
        outcome = resume_paused_channel(
            services.session_factory, actor, name, channels=services.channels, force=force, now=datetime.now(UTC)
        )
    except UnknownChannel as exc:
        raise UserError(str(exc)) from None
    except ResumeRefused as exc:
        raise RuntimeFailure(
            f"{exc}; {_waiting(exc.check.status.waiting)} are waiting. Raise the limit with the "
            f"platform (LINE Official Account Manager), or resume anyway with --force"
        ) from None
    if not outcome.resumed or outcome.check is None:
        click.echo(f"{name} was not paused")
        return
    check = outcome.check
    forced = " (forced)" if outcome.forced else ""
    click.echo(f"{name} resumed{forced}: {_waiting(check.status.waiting)} are waiting to be sent")
    if check.verdict is not QuotaVerdict.NOT_CHECKED:
        click.echo(f"quota: {describe_quota(check)}")
