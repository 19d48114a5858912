"""Console page for API keys: each officer creates keys for themselves (a key acts as its officer, with their
role and, for an agency officer, their agency's cases only); admins see and revoke everyone's. Creating one for
somebody else is not possible anywhere."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from bot.console import blueprint
from bot.console.auth import current_actor, now, officer_required, services
from bot.console.names import helpers
from bot.console.refusals import refusal_text
from bot.console.ui import translate
from bot.office.accounts import AccountError, Permission
from bot.office.api_keys import create_api_key, list_api_keys, revoke_api_key
from bot.office.audit import AuditAction, record
from bot.office.models import KeyMode
from bot.office.officer_said import key_created, key_revoked

MAX_KEY_NAME = 120


def _keys_page(
    *,
    secret: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    actor = current_actor()
    everyone = actor.can(Permission.MANAGE_OFFICERS)
    with services().session_factory() as session:
        keys = [
            {
                "key_id": k.key_id,
                "name": k.name,
                "mode": k.mode,
                "officer": k.officer.username,
                "created_at": k.created_at,
                "last_used_at": k.last_used_at,
                "revoked_at": k.revoked_at,
            }
            for k in list_api_keys(session, None if everyone else actor.username)
        ]
    return render_template(
        "console/api_keys.html",
        title=translate("keys.title"),
        keys=keys,
        all_keys=everyone,
        secret=secret,
        errors=errors or {},
        form=form or {},
        modes=[m.value for m in KeyMode],
        **helpers(),
    ), status


# Every officer manages their own keys, an agency officer too: a key acts as its officer, agency and all.
@blueprint.route("/api-keys", methods=["GET", "POST"])
@officer_required(None)
def api_keys() -> Any:
    if request.method == "GET":
        return _keys_page()
    actor = current_actor()
    form = {name: request.form.get(name, "").strip() for name in ("name", "mode")}
    errors: dict[str, str] = {}
    if not form["name"]:
        errors["name"] = translate("keys.error_name")
    if form["mode"] not in {m.value for m in KeyMode}:
        errors["mode"] = translate("keys.error_mode")
    if not errors:
        try:
            with services().session_factory.begin() as session:
                key, plaintext = create_api_key(
                    session, actor.username, name=form["name"][:MAX_KEY_NAME], mode=form["mode"]
                )
                record(
                    session,
                    actor,
                    AuditAction.CREATE_API_KEY,
                    "api_key",
                    key.key_id,
                    now=now(),
                    summary=key_created(actor.username, key.mode, key.name, agency=actor.agency),
                )
        except AccountError as exc:
            errors["name"] = refusal_text(exc)
    if errors:
        return _keys_page(errors=errors, form=form, status=422)
    return _keys_page(secret={"username": actor.username, "value": plaintext, "mode": form["mode"]})


@blueprint.route("/api-keys/<key_id>/revoke", methods=["GET", "POST"])
@officer_required(None)
def api_key_revoke(key_id: str) -> Any:
    if request.method == "GET":
        return redirect(url_for("console.api_keys"))
    actor = current_actor()
    owner = None if actor.can(Permission.MANAGE_OFFICERS) else actor.username
    try:
        with services().session_factory.begin() as session:
            key = revoke_api_key(session, key_id, now=now(), owner=owner)
            record(
                session,
                actor,
                AuditAction.REVOKE_API_KEY,
                "api_key",
                key.key_id,
                now=now(),
                summary=key_revoked(key.name),
            )
    except AccountError:
        abort(404)
    flash(translate("keys.revoked", key_id=key_id), "success")
    return redirect(url_for("console.api_keys"), 303)
