"""What every channel is: a protocol, its limits as data, a batch in, a result or one of three errors out.

A channel adapter turns vendor failures into civicast's own errors at the
boundary: ``RetryableError`` (try again, perhaps after ``delay_s``),
``PermanentError`` (retrying cannot help) and ``QuotaExhausted`` (the channel
must pause until an officer acts). A channel whose platform counts messages
against a monthly allowance also answers ``quota()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from messages.localised import LocalisedNotice


class Audience(StrEnum):
    RESIDENTS = "residents"  # batches of subscribers, one language per batch (LINE)
    PUBLIC = "public"  # one send per notice carrying its languages (a page post, a partner push)


@dataclass(frozen=True)
class ChannelLimits:
    max_recipients: int  # per request; 0 when the channel has no recipients
    max_messages: int  # message objects per request
    max_text_length: int  # in the unit the platform counts (UTF-16 code units for LINE)
    requests_per_second: float  # the platform's budget for this kind of send
    audience: Audience = Audience.RESIDENTS


@dataclass(frozen=True)
class Batch:
    """One send: an idempotency key, the localised notice(s), the recipients."""

    delivery_id: str  # UUID; LINE's X-Line-Retry-Key, the partner's X-Civicast-Delivery
    notices: Mapping[str, LocalisedNotice]  # language -> notice; one entry for resident batches
    recipients: tuple[str, ...] = ()

    @property
    def language(self) -> str:
        return next(iter(self.notices))

    @property
    def notice(self) -> LocalisedNotice:
        return self.notices[self.language]


@dataclass(frozen=True)
class SendResult:
    platform_request_id: str | None = None  # x-line-request-id, the Graph post id, ...
    duplicate: bool = False  # the platform had already accepted this delivery id
    detail: dict[str, str] = field(default_factory=dict)


class ChannelError(Exception):
    """A send failed; subclasses say whether retrying can help."""

    def __init__(self, message: str, *, status: int | None = None, platform_request_id: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.platform_request_id = platform_request_id


class RetryableError(ChannelError):
    """Temporary: rate limited, server error, timeout, connection lost. Retry with the same delivery id."""

    def __init__(
        self,
        message: str,
        *,
        delay_s: float | None = None,
        status: int | None = None,
        platform_request_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, platform_request_id=platform_request_id)
        self.delay_s = delay_s


class PermanentError(ChannelError):
    """The request is wrong or not allowed; the same request will fail again."""


class QuotaExhausted(ChannelError):
    """The platform's quota (LINE's monthly message limit) is used up: pause the channel."""


class LimitExceeded(PermanentError):
    """civicast refused to send what the platform would refuse (too many recipients, ...)."""


@dataclass(frozen=True)
class Quota:
    """A platform's monthly message allowance as it reports it: messages ``used`` this month of ``limit``
    (None when the platform sets no limit). LINE counts one message per recipient of each send."""

    used: int
    limit: int | None

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


@runtime_checkable
class Channel(Protocol):
    name: str
    limits: ChannelLimits

    def send(self, batch: Batch) -> SendResult: ...


@dataclass(frozen=True)
class ChannelPreview:
    """One language of a notice as a channel shows it, for the preview grid: data, not markup.

    ``text`` is what the reader reads (plain text), ``title`` the headline or notification title where the channel
    shows one, ``buttons`` the answer buttons as labelled, ``payload`` the exact objects the channel would send
    (for the API and a raw view), ``problems`` what the platform would refuse, ``included`` False where this
    language is not published on the channel (a page post carries only some languages). ``look`` says how the
    grid draws it: "chat" (``payload`` is chat message objects, drawn as a phone shows them), "post" (a page post's
    text), "crawl" (one line of a ticker) or "text" (title, text and buttons: what any other channel shows)."""

    channel: str
    label: str
    text: str
    title: str = ""
    buttons: tuple[str, ...] = ()
    payload: Any = None
    problems: tuple[str, ...] = ()
    included: bool = True
    look: str = "text"


@dataclass(frozen=True)
class PersonalMessage:
    """A message to one resident (about their case): text, and answer buttons as (label, postback data)."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()


class Told(StrEnum):
    """What came of telling one resident something on a channel."""

    TOLD = "told"
    WINDOW = "window"  # the platform allows no message now (Messenger's 24 hours have passed)
    NOT_PERSONAL = "not_personal"  # the channel cannot reach one resident


@dataclass(frozen=True)
class ChannelContext:
    """What a channel may be given when it is built, besides its own settings: never the database itself.

    ``addresses(channel, ids)`` returns the delivery address stored for each resident id (e.g. a browser's push
    subscription); ``forget(channel, id)`` records that the platform says the resident is gone for good (an
    expired push subscription); ``count_sent(kind, recipients)`` counts messages against a monthly allowance;
    ``sandbox_url`` is the built-in sandbox's base URL when channels run in sandbox mode (None when live);
    ``var_dir`` is where a channel may keep generated keys in sandbox mode."""

    addresses: Callable[[str, Sequence[str]], Mapping[str, Mapping[str, Any]]] = lambda channel, ids: {}
    forget: Callable[[str, str], None] = lambda channel, resident: None
    count_sent: Callable[[str, int], None] = lambda kind, recipients: None
    sandbox_url: str | None = None
    var_dir: Path = Path("var")


@runtime_checkable
class Previewing(Protocol):
    """A channel that can show, for the preview grid, how it would carry one language of a notice."""

    name: str
    label: str

    def preview(self, notice: LocalisedNotice) -> ChannelPreview: ...


@runtime_checkable
class PreviewingSend(Protocol):
    """A public channel that can show the one send it would make for a notice (a page post of several languages);
    None when the notice is in none of its languages."""

    def preview_send(self, notices: Mapping[str, LocalisedNotice]) -> ChannelPreview | None: ...


@runtime_checkable
class TellsResidents(Protocol):
    """A channel that can message one resident (about their case). ``last_heard`` is when the resident last
    wrote to the bot, for platforms that only allow an answer for a while after. Raises a ChannelError."""

    def tell(self, resident: str, messages: Sequence[PersonalMessage], *, last_heard: datetime | None) -> Told: ...


def personal_name(channel: Channel) -> str:
    """The name residents' subscriptions and conversations record for a channel: its own, unless it says otherwise
    with a ``personal_name`` attribute (residents write to a Facebook page on Messenger)."""
    return str(getattr(channel, "personal_name", channel.name))


def personal_label(channel: Channel) -> str:
    """How residents know the channel that tells them things: ``personal_label``, else its ``label``, else its name."""
    return str(getattr(channel, "personal_label", getattr(channel, "label", channel.name)))


@runtime_checkable
class QuotaReporting(Protocol):
    """A channel that can say how much of its monthly allowance is left (raises a ChannelError if it cannot).
    It may give an answer up to ``max_age_s`` seconds old (its own default when None); 0 asks the platform now."""

    def quota(self, *, max_age_s: float | None = None) -> Quota: ...


def utf16_length(text: str) -> int:
    """Length as LINE counts it: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def truncate_utf16(text: str, limit: int, ellipsis: str = "…") -> str:
    """The text cut to at most ``limit`` UTF-16 code units, never inside a surrogate pair."""
    if utf16_length(text) <= limit:
        return text
    budget = limit - utf16_length(ellipsis)
    out: list[str] = []
    used = 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > budget:
            break
        out.append(char)
        used += size
    return "".join(out).rstrip() + ellipsis
