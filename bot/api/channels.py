"""Channels in the API: whether each one is sending or paused (LINE's monthly quota used up), why and since
when, and how many deliveries and residents wait on it.

Resuming a channel is an officer's act in the console or with ``civicast channel resume``, after LINE's
quota has been asked; the API only reports.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from bot.api.auth import current_actor, services
from bot.api.serialise import channel_json
from bot.office.accounts import Permission
from scheduler.channel_status import channel_statuses

blueprint = Blueprint("channels", __name__)


@blueprint.get("/channels")
def list_channels() -> Response:
    current_actor().require(Permission.VIEW)
    svc = services()
    enabled = list(svc.channel_limits)
    with svc.session_factory() as session:
        statuses = channel_statuses(session, enabled)
    return jsonify({"channels": [channel_json(status, enabled=status.channel in enabled) for status in statuses]})
