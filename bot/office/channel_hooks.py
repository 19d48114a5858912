"""What the services give every channel when they build it (``channels.base.ChannelContext``), implemented once for
all channels: residents' delivery addresses, forgetting a resident the platform says is gone, and the count of the
bot's own messages against a monthly allowance. Channels never touch the database themselves."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from channels.base import ChannelContext
from scheduler.audience import Subscriber, SubscriberStatus
from scheduler.usage import MessageTally, SendKind


class ChannelHooks:
    """The database side of every channel's context; one per process (its message tallies flush together)."""

    def __init__(self, session_factory: sessionmaker, *, sandbox_url: str | None, var_dir: Path) -> None:
        self.session_factory = session_factory
        self.sandbox_url = sandbox_url
        self.var_dir = var_dir
        self._tallies: dict[str, MessageTally] = {}
        self._lock = threading.Lock()

    def context(self, channel_type: str) -> ChannelContext:
        """The context of channels of this type (their sent messages are counted under its name)."""
        return ChannelContext(
            addresses=self.addresses,
            forget=self.forget,
            count_sent=lambda kind, recipients: self.count_sent(channel_type, kind, recipients),
            sandbox_url=self.sandbox_url,
            var_dir=self.var_dir,
        )

    def addresses(self, channel: str, ids: Sequence[str]) -> Mapping[str, Mapping[str, Any]]:
        """The stored delivery address of each of these residents of the channel that has one."""
        if not ids:
            return {}
        with self.session_factory() as session:
            rows = session.execute(
                select(Subscriber.platform_user_id, Subscriber.address).where(
                    Subscriber.channel == channel,
                    Subscriber.platform_user_id.in_(list(ids)),
                )
            ).all()
        return {user_id: address for user_id, address in rows if address is not None}

    def forget(self, channel: str, resident: str) -> None:
        """The platform says the resident is gone for good (an expired subscription): they receive nothing more, and
        the address they can no longer be reached at is not kept."""
        with self.session_factory.begin() as session:
            session.execute(
                update(Subscriber)
                .where(Subscriber.channel == channel, Subscriber.platform_user_id == resident)
                .values(status=SubscriberStatus.INACTIVE, address=None, updated_at=datetime.now(UTC))
            )

    def tally(self, channel: str) -> MessageTally:
        with self._lock:
            if channel not in self._tallies:
                self._tallies[channel] = MessageTally(self.session_factory, channel)
            return self._tallies[channel]

    def count_sent(self, channel: str, kind: str, recipients: int) -> None:
        self.tally(channel).count(SendKind(kind), recipients)

    def flush(self) -> None:
        """Write every channel's counted messages now."""
        with self._lock:
            tallies = list(self._tallies.values())
        for tally in tallies:
            tally.flush()
