"""Public notice pages: ``/n/<notice_id>`` and ``/notices`` (being written)."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("public", __name__, template_folder="templates")
