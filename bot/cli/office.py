"""``civicast officer`` and ``civicast apikey``: press officers' accounts and API keys."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.base import TEXT, AppContext, RuntimeFailure, UserError, officer_options
from bot.office.accounts import (
    AccountError,
    Actor,
    create_officer,
    find_officer,
    list_officers,
    new_password,
    set_password,
)
from bot.office.api_keys import create_api_key, list_api_keys, revoke_api_key
from bot.office.audit import AuditAction, record
from bot.office.models import KeyMode, Role
from bot.office.officer_said import key_created, officer_created
from bot.office.sign_in import recent_refusals
from messages.plurals import counted

DEMO_OFFICERS = (
    ("demo-editor", Role.EDITOR, "Demo Editor 示範編輯"),
    ("demo-approver", Role.APPROVER, "Demo Approver 示範核稿"),
    ("demo-admin", Role.ADMIN, "Demo Admin 示範管理員"),
)
CLI_ACTOR = Actor("cli", Role.ADMIN, via="cli")


def _run(app: AppContext, action):
    try:
        with app.services.session_factory.begin() as session:
            return action(session)
    except AccountError as exc:
        raise UserError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise RuntimeFailure(f"database error: {exc.__class__.__name__} (has `civicast db upgrade` run?)") from None


@click.group("officer")
def officer_group() -> None:
    """Press officers' accounts (roles: editor, approver, admin)."""


@officer_group.command("add")
@click.argument("username", type=TEXT)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option(
    "--name", "display_name", default=None, type=TEXT, help="The name shown in the console and the audit log."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (else one is made).")
@click.option("--agency", default=None, type=TEXT, help="An agency officer's agency (its key).")
@click.pass_obj
def officer_add(
    app: AppContext, username: str, role: str, display_name: str | None, password_stdin: bool, agency: str | None
) -> None:
    """Create an officer and print their password (shown once)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None

    def add(session):
        officer, secret = create_officer(
            session, username, role, display_name=display_name, password=password, agency=agency
        )
        record(
            session,
            CLI_ACTOR,
            AuditAction.CREATE_OFFICER,
            "officer",
            officer.username,
            now=datetime.now(UTC),
            summary=officer_created(officer.role, officer.agency),
        )
        return officer, secret

    officer, secret = _run(app, add)
    click.echo(f"officer {officer.username} ({officer.role}) created")
    if not password_stdin:
        click.echo(f"password: {secret}")


@officer_group.command("password")
@click.argument("username", type=TEXT)
@click.pass_obj
def officer_password(app: AppContext, username: str) -> None:
    """Give an officer a new password (printed once) and sign them out everywhere.

    No account is ever locked: wrong passwords only slow down further tries of that username from the same
    network address, so the officer can sign in at once from another one."""
    secret = new_password()
    _run(app, lambda session: set_password(session, username, secret, now=datetime.now(UTC)))
    click.echo(f"password: {secret}")


@officer_group.command("list")
@click.pass_obj
def officer_list(app: AppContext) -> None:
    """Officers, their roles, and their refused sign-ins in the last hour."""
    now = datetime.now(UTC)
    officers, refusals = _run(app, lambda session: (list_officers(session), recent_refusals(session, now=now)))
    for officer in officers:
        refused = refusals.get(officer.username, 0)
        note = f" {counted(refused, 'refused sign-in', 'refused sign-ins')} in the last hour" if refused else ""
        click.echo(f"{officer.username:<24} {officer.role:<9}{'' if officer.active else ' inactive'}{note}")


@officer_group.command("demo")
@click.pass_obj
def officer_demo(app: AppContext) -> None:
    """Create the demo officers (or give them new passwords) and print how to sign in."""

    def ensure(session):
        credentials = []
        for username, role, name in DEMO_OFFICERS:
            secret = new_password()
            if find_officer(session, username) is None:
                create_officer(session, username, role, display_name=name, password=secret)
            else:
                set_password(session, username, secret, now=datetime.now(UTC))
            credentials.append((username, role, secret))
        return credentials

    click.echo("Sign in to the console at /console with (passwords are new each run):")
    for username, role, secret in _run(app, ensure):
        click.echo(f"  {role.value:<9} {username:<15} {secret}")


@click.group("apikey")
def apikey_group() -> None:
    """API keys for the REST API (test keys: training notices only)."""


@apikey_group.command("create")
@click.option("--mode", type=click.Choice([m.value for m in KeyMode]), default=KeyMode.TEST.value, show_default=True)
@click.option("--name", required=True, type=TEXT, help="What uses the key.")
@officer_options
@click.pass_obj
def apikey_create(app: AppContext, mode: str, name: str, actor: Actor) -> None:
    """Create a key for yourself (--by, with your password) and print it once: it acts as you, with your role."""

    def create(session):
        key, secret = create_api_key(session, actor.username, name=name, mode=mode)
        record(
            session,
            actor,
            AuditAction.CREATE_API_KEY,
            "api_key",
            key.key_id,
            now=datetime.now(UTC),
            summary=key_created(actor.username, mode, name),
        )
        return secret

    click.echo(_run(app, create))


@apikey_group.command("list")
@click.pass_obj
def apikey_list(app: AppContext) -> None:
    """Keys, their officer, mode and last use."""
    for key in _run(app, list_api_keys):
        used = key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "never"
        state = "revoked" if key.revoked_at else "active"
        click.echo(f"{key.key_id}  {key.mode:<4} {state:<7} {key.officer.username:<20} used {used}  {key.name}")


@apikey_group.command("revoke")
@click.argument("key_id", type=TEXT)
@click.pass_obj
def apikey_revoke(app: AppContext, key_id: str) -> None:
    """Revoke a key at once."""

    def revoke(session):
        key = revoke_api_key(session, key_id, now=datetime.now(UTC))
        record(session, CLI_ACTOR, AuditAction.REVOKE_API_KEY, "api_key", key.key_id, now=datetime.now(UTC))

    _run(app, revoke)
    click.echo(f"API key {key_id} revoked")
