"""Shelters in the console: the national list's Kaohsiung shelters, which are open and why, and the Open and Close
buttons of officers who may send notices (opening a shelter changes what residents are told: audited)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console import blueprint
from bot.console.auth import current_actor, now, officer_required, services
from bot.console.names import helpers
from bot.console.ui import translate
from bot.office.accounts import Permission
from bot.office.shelters import ShelterNotFound, set_shelter_open
from bot.shelters.models import Shelter
from bot.shelters.state import notice_matches, open_states


def _filters() -> dict[str, str]:
    district = request.values.get("district", "").strip()
    keys = {term.key for term in services().glossary.terms("district")}
    return {"district": district if district in keys else "", "open": "1" if request.values.get("open") else ""}


@blueprint.get("/shelters")
@officer_required()
def shelters() -> Any:
    filters = _filters()
    with services().session_factory() as session:
        query = select(Shelter).where(Shelter.withdrawn_at.is_(None)).order_by(Shelter.district, Shelter.name)
        if filters["district"]:
            query = query.where(Shelter.district == filters["district"])
        listed = list(session.scalars(query))
        matches = notice_matches(session, now=now())
        states = open_states(session, listed, now=now(), matches=matches)
        session.expunge_all()
    rows = [(shelter, states[shelter.id]) for shelter in listed if not filters["open"] or states[shelter.id].open]
    unmatched = [
        {"id": n.id, "name": str(n.params.get("shelter", "")).partition("|")[0], "district": n.params.get("district")}
        for n in matches.unmatched
    ]
    return render_template(
        "console/shelters.html",
        title=translate("shelters.title"),
        rows=rows,
        filters=filters,
        unmatched=unmatched,
        districts=[t.key for t in services().glossary.terms("district")],
        **helpers(),
    )


def _back() -> str:
    filters = _filters()
    given: dict[str, Any] = {k: v for k, v in filters.items() if v}
    return url_for("console.shelters", **given)


def _change(shelter_id: int, open_it: bool) -> Any:
    with services().session_factory.begin() as session:
        try:
            shelter, _state, still_told = set_shelter_open(session, shelter_id, open_it, by=current_actor(), now=now())
        except ShelterNotFound:
            abort(404)
        name, notice_id = shelter.name, still_told.id if still_told is not None else None
    flash(translate("shelters.opened" if open_it else "shelters.closed_now", name=name), "success")
    if notice_id is not None:
        flash(translate("shelters.still_told", name=name, notice=notice_id), "info")
    return redirect(_back(), 303)


@blueprint.post("/shelters/<int:shelter_id>/open")
@officer_required(Permission.SEND)
def open_shelter(shelter_id: int) -> Any:
    return _change(shelter_id, True)


@blueprint.post("/shelters/<int:shelter_id>/close")
@officer_required(Permission.SEND)
def close_shelter(shelter_id: int) -> Any:
    return _change(shelter_id, False)
