"""Web Push for tests: the channel's context on the test database, as the services give it (addresses from
``Subscriber.address``, a gone browser marked inactive), and a browser's subscription made at the sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
from sqlalchemy.orm import sessionmaker

from bot.office.channel_hooks import ChannelHooks
from channels.base import ChannelContext
from channels.webpush import WebPushChannel, WebPushSettings


def database_context(session_factory: sessionmaker, sandbox_url: str, var_dir: Path) -> ChannelContext:
    """The context the services give Web Push: the same hooks, on the test database."""
    return ChannelHooks(session_factory, sandbox_url=sandbox_url, var_dir=var_dir).context("webpush")


def webpush_channel(session_factory: sessionmaker, sandbox_url: str, var_dir: Path) -> WebPushChannel:
    return WebPushChannel.from_settings(
        WebPushSettings(enabled=True), database_context(session_factory, sandbox_url, var_dir)
    )


def sandbox_browser(sandbox_url: str, application_server_key: str | None = None) -> dict[str, Any]:
    """What a browser's PushManager.subscribe() would give: id (the sandbox's), endpoint and keys."""
    response = requests.post(
        f"{sandbox_url}/sandbox/push/subscriptions",
        json={"application_server_key": application_server_key},
        timeout=5,
    )
    response.raise_for_status()
    return response.json()


def received(sandbox_url: str, subscription: Mapping[str, Any]) -> list[dict[str, Any]]:
    response = requests.get(f"{sandbox_url}/sandbox/push/subscriptions/{subscription['id']}", timeout=5)
    response.raise_for_status()
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages
