"""The web application for a WSGI server: ``gunicorn 'bot.wsgi:create()'``.

The settings are read when the server calls ``create()`` (from ``$CIVICAST_CONFIG`` or
./config.yaml), never at import. Run ``civicast db upgrade`` once before starting the
workers. Each worker process serves webhooks, feeds and pages; the scheduler and the
senders run as their own processes (``civicast scheduler``, ``civicast worker``).
"""

from __future__ import annotations

from flask import Flask

from bot.app import create_app
from bot.services import Services
from bot.settings import load_settings


def create() -> Flask:
    services = Services(load_settings())
    return create_app(services.settings, services)
