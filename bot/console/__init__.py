"""The press officers' web console: server-rendered pages that work without JavaScript, in zh-Hant and English.

``blueprint`` carries every console route; the modules imported below add their routes and template helpers.
"""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

from bot.console import (  # noqa: E402,F401  (routes register themselves; the text guard after the sign-in checks)
    audit_words,
    auth,
    occurrences,
    text_guard,
    views_admin,
    views_case_desk,
    views_channels,
    views_checkins,
    views_incoming,
    views_ingest_rules,
    views_keys,
    views_notices,
    views_office,
    views_poll_options,
    views_polls,
    views_reports,
    views_shelters,
)
