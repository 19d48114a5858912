"""Web Push for tests: the channel's context on the test database, as the registry will give it (addresses from
``Subscriber.address``, a gone browser marked inactive), and a browser's subscription made at the sandbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from channels.base import ChannelContext
from channels.webpush import WebPushChannel, WebPushSettings
from scheduler.audience import Subscriber, SubscriberStatus


def database_context(session_factory: sessionmaker, sandbox_url: str, var_dir: Path) -> ChannelContext:
    def addresses(channel: str, ids: Sequence[str]) -> Mapping[str, Mapping[str, Any]]:
        with session_factory() as session:
            rows = session.execute(
                select(Subscriber.platform_user_id, Subscriber.address).where(
                    Subscriber.channel == channel, Subscriber.platform_user_id.in_(list(ids))
                )
            )
            return {resident: address for resident, address in rows if address}

    def forget(channel: str, resident: str) -> None:
        with session_factory.begin() as session:
            session.execute(
                update(Subscriber)
                .where(Subscriber.channel == channel, Subscriber.platform_user_id == resident)
                .values(status=SubscriberStatus.INACTIVE, address=None)
            )

    return ChannelContext(addresses=addresses, forget=forget, sandbox_url=sandbox_url, var_dir=var_dir)


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
