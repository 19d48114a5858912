"""The web application for gunicorn's own command: ``gunicorn -c deploy/gunicorn.conf.py``.

The settings are read when gunicorn calls ``create()`` in each web process (from
``$CIVICAST_CONFIG`` or ./config.yaml), never at import. Run ``civicast db upgrade`` once
before starting. ``civicast serve`` runs the same processes with the same options
(``bot.web_server``), after upgrading the schema itself; in the embedded default the
scheduler and the delivery workers run in the web process, started by the hooks in
``deploy/gunicorn.conf.py``; otherwise they run as ``civicast scheduler`` and
``civicast worker``.
"""

from __future__ import annotations

from flask import Flask

from bot.settings import load_settings
from bot.web_server import WebProcess


def create() -> Flask:
    return WebProcess(load_settings()).app
