"""What officers are shown about a channel: whether it is paused, since when and why, what waits on it,
and whether the platform's monthly quota would let it go on if it were resumed.

A channel is paused by a worker (``scheduler.outbox.pause_channel``) when the platform says its
monthly quota is used up; it stays paused until an officer resumes it. Functions take the session
first and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channels.base import Quota
from scheduler.outbox import ChannelState, Delivery, DeliveryStatus

WAITING_STATUSES = (DeliveryStatus.PENDING.value, DeliveryStatus.CLAIMED.value, DeliveryStatus.FAILED.value)


@dataclass(frozen=True)
class Waiting:
    """Deliveries not yet sent (pending, claimed, or failed and to be retried) and the residents in them."""

    deliveries: int = 0
    residents: int = 0
    smallest_batch: int = 0  # the fewest residents in one waiting delivery (0: none waiting, or a public send)

    def as_dict(self) -> dict[str, int]:
        return {"deliveries": self.deliveries, "residents": self.residents}


@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    paused: bool
    reason: str | None  # why civicast paused it, with the platform's own words
    since: datetime | None  # when it was paused (None when it is not)
    waiting: Waiting  # on this channel, for every notice

    def as_dict(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "paused": self.paused,
            "reason": self.reason,
            "since": self.since.isoformat(timespec="seconds") if self.since else None,
            "pending": self.waiting.as_dict(),
        }


def waiting_by_channel(
    session: Session, *, notice_id: int | None = None, channels: Iterable[str] | None = None
) -> dict[str, Waiting]:
    """What waits on each channel (with any waiting), for one notice or for all of them."""
    query = (
        select(Delivery.channel, func.count(), func.sum(Delivery.recipient_count), func.min(Delivery.recipient_count))
        .where(Delivery.status.in_(WAITING_STATUSES))
        .group_by(Delivery.channel)
    )
    if notice_id is not None:
        query = query.where(Delivery.notice_id == notice_id)
    if channels is not None:
        query = query.where(Delivery.channel.in_(list(channels)))
    return {
        channel: Waiting(int(count), int(residents or 0), int(smallest or 0))
        for channel, count, residents, smallest in session.execute(query)
    }


def channel_statuses(session: Session, channels: Iterable[str]) -> list[ChannelStatus]:
    """Each of ``channels`` (the enabled ones), and any other channel still paused, in that order."""
    names = list(dict.fromkeys(channels))
    states = {state.channel: state for state in session.scalars(select(ChannelState))}
    names += sorted(name for name, state in states.items() if state.paused and name not in names)
    waiting = waiting_by_channel(session, channels=names)
    statuses = []
    for name in names:
        state = states.get(name)
        paused = bool(state and state.paused)
        statuses.append(
            ChannelStatus(
                name,
                paused,
                state.reason if paused and state else None,
                state.changed_at if paused and state else None,
                waiting.get(name, Waiting()),
            )
        )
    return statuses


def paused_statuses(session: Session) -> list[ChannelStatus]:
    """The paused channels only, by name: what the console's banner shows on every page."""
    paused = list(
        session.scalars(select(ChannelState).where(ChannelState.paused.is_(True)).order_by(ChannelState.channel))
    )
    if not paused:
        return []
    waiting = waiting_by_channel(session, channels=[state.channel for state in paused])
    return [
        ChannelStatus(state.channel, True, state.reason, state.changed_at, waiting.get(state.channel, Waiting()))
        for state in paused
    ]


def channel_status(session: Session, channel: str) -> ChannelStatus:
    return channel_statuses(session, [channel])[0]


class QuotaVerdict(StrEnum):
    """What the platform's quota says about resuming a channel now."""

    NO_LIMIT = "no_limit"  # the platform sets no monthly limit
    ENOUGH = "enough"  # enough is left for everything waiting
    PARTIAL = "partial"  # some is left, less than what waits: the channel will pause again when it runs out
    USED_UP = "used_up"  # nothing is left, or too little for even the smallest waiting delivery
    UNKNOWN = "unknown"  # the platform did not say
    NOT_CHECKED = "not_checked"  # the channel has no quota to ask about

    @property
    def refuses(self) -> bool:
        """Whether resuming should wait for an officer's explicit insistence."""
        return self in (QuotaVerdict.USED_UP, QuotaVerdict.UNKNOWN)


def judge_quota(quota: Quota | None, waiting: Waiting, *, checked: bool = True) -> QuotaVerdict:
    """The verdict on resuming a channel with ``waiting`` on it, given the quota it reported
    (None with ``checked``: it could not be asked; None without: it has none to ask about)."""
    if quota is None:
        return QuotaVerdict.UNKNOWN if checked else QuotaVerdict.NOT_CHECKED
    remaining = quota.remaining
    if remaining is None:
        return QuotaVerdict.NO_LIMIT
    # The platform refuses a whole send that does not fit, so a delivery larger than what is left never goes.
    if remaining == 0 or (waiting.smallest_batch and remaining < waiting.smallest_batch):
        return QuotaVerdict.USED_UP
    return QuotaVerdict.PARTIAL if remaining < waiting.residents else QuotaVerdict.ENOUGH
