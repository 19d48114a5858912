"""REST API v1 (being written)."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")
