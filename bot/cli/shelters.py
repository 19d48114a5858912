"""``civicast shelters``: the national evacuation-shelter list (import, list) and which shelters are open."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.base import TEXT, AppContext, RuntimeFailure, UserError, officer_options
from bot.office.accounts import Actor, PermissionDenied
from bot.office.audit import AuditAction, record
from bot.office.models import Role
from bot.office.services import Services
from bot.office.shelters import ShelterNotFound, find_shelter, set_shelter_open
from bot.shelters.csv_file import RowChecker, ShelterFileError, read_shelter_file
from bot.shelters.importer import import_shelters
from bot.shelters.models import Shelter
from bot.shelters.state import notice_matches, open_states
from messages.cap_geography import default_places
from messages.glossary import UnknownTerm
from messages.plurals import counted

CLI_ACTOR = Actor("cli", Role.ADMIN, via="cli")


def _database(action):
    try:
        return action()
    except (ShelterNotFound, PermissionDenied) as exc:
        raise UserError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise RuntimeFailure(f"database error: {exc.__class__.__name__} (has `civicast db upgrade` run?)") from None


@click.group("shelters")
def shelters_group() -> None:
    """Evacuation shelters: the national list's Kaohsiung rows, and which are open now."""


@shelters_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def shelters_import(app: AppContext, file: Path) -> None:
    """Read the national shelter list (避難收容處所點位檔, UTF-8 CSV) into civicast: Kaohsiung's rows are added or
    updated, never duplicated; each row not imported, or imported with a note, is printed with its line number.
    The whole file is stored in one transaction: a file that cannot be read changes nothing."""
    services = app.services
    try:
        shelter_file = read_shelter_file(file, RowChecker(services.glossary, default_places()))
    except ShelterFileError as exc:
        raise UserError(str(exc)) from None
    now = datetime.now(UTC)

    def store():
        with services.session_factory.begin() as session:
            report = import_shelters(session, shelter_file, now=now)
            record(
                session, CLI_ACTOR, AuditAction.IMPORT_SHELTERS, "shelter", file.name, now=now, summary=report.summary()
            )
            return report

    report = _database(store)
    for line in report.reported_lines():
        click.echo(line)
    click.echo(f"{file.name}: {report.summary()}")


@shelters_group.command("list")
@click.option("--district", default=None, type=TEXT, help="Only this district (its key or its name).")
@click.option("--open", "only_open", is_flag=True, help="Only the shelters open now.")
@click.option("--contacts", is_flag=True, help="Show each shelter's manager and phone (personal data: officers only).")
@click.pass_obj
def shelters_list(app: AppContext, district: str | None, only_open: bool, contacts: bool) -> None:
    """Listed shelters, with id, district, capacity, disaster types and whether each is open (and why)."""
    services = app.services
    key = _district_key(services, district)

    def read():
        with services.session_factory() as session:
            now = datetime.now(UTC)
            query = select(Shelter).where(Shelter.withdrawn_at.is_(None)).order_by(Shelter.district, Shelter.id)
            if key:
                query = query.where(Shelter.district == key)
            shelters = list(session.scalars(query))
            matches = notice_matches(session, now=now)
            states = open_states(session, shelters, now=now, matches=matches)
            return shelters, states, matches.unmatched

    shelters, states, unmatched = _database(read)
    shown = 0
    for shelter in shelters:
        state = states[shelter.id]
        if only_open and not state.open:
            continue
        shown += 1
        opened = f"OPEN since {state.since.isoformat(timespec='minutes')} ({state.by})" if state.open else "closed"
        capacity = f"{shelter.capacity} people" if shelter.capacity else "capacity unknown"
        line = (
            f"{shelter.id:>5}  {shelter.town} {shelter.name}  {shelter.address}  {capacity}  "
            f"{','.join(shelter.hazards) or 'no disaster type'}  {opened}"
        )
        if contacts:
            line += f"  manager: {shelter.manager_name or '-'} {shelter.manager_phone or '-'}"
        click.echo(line)
    click.echo(counted(shown, "shelter", "shelters"))
    for notice in unmatched:
        click.echo(
            f"warning: live notice {notice.id} opens {notice.params.get('shelter')!r} in "
            f"{notice.params.get('district')}, which is not a listed shelter: nobody is sent there",
            err=True,
        )


def _district_key(services: Services, district: str | None) -> str | None:
    """The glossary key of ``--district`` (its key or its name), or a one-line error naming the option."""
    if not district:
        return None
    try:
        return services.glossary.resolve("district", district)
    except UnknownTerm as exc:
        raise UserError(f"--district: {exc}") from None


def _open_or_close(app: AppContext, name_or_id: str, district: str | None, actor: Actor, *, open_it: bool) -> None:
    services = app.services
    key = _district_key(services, district)

    def change():
        with services.session_factory.begin() as session:
            shelter = find_shelter(session, name_or_id, district=key)
            shelter, state, notice = set_shelter_open(session, shelter.id, open_it, by=actor, now=datetime.now(UTC))
            return shelter.id, shelter.town, shelter.name, state, notice.id if notice else None

    shelter_id, town, name, state, notice_id = _database(change)
    click.echo(f"shelter {shelter_id} ({town} {name}) is now {'open' if state.open else 'closed'}")
    if notice_id is not None:
        click.echo(
            f"warning: live notice {notice_id} still tells residents it is open: cancel it or issue an Update", err=True
        )


@shelters_group.command("open")
@click.argument("name_or_id", type=TEXT)
@click.option("--district", default=None, type=TEXT, help="The district, where two shelters share a name.")
@officer_options
@click.pass_obj
def shelters_open(app: AppContext, name_or_id: str, district: str | None, actor: Actor) -> None:
    """Open a shelter as the officer --by: residents asking for the nearest shelter are sent to it."""
    _open_or_close(app, name_or_id, district, actor, open_it=True)


@shelters_group.command("close")
@click.argument("name_or_id", type=TEXT)
@click.option("--district", default=None, type=TEXT, help="The district, where two shelters share a name.")
@officer_options
@click.pass_obj
def shelters_close(app: AppContext, name_or_id: str, district: str | None, actor: Actor) -> None:
    """Close a shelter as the officer --by: residents are no longer sent to it."""
    _open_or_close(app, name_or_id, district, actor, open_it=False)
