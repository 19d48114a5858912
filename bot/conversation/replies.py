"""Channel-neutral events and replies: adapters turn platform events into these and these into messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from urllib.parse import parse_qsl, urlencode

MAX_CHOICES = 13  # LINE's quick replies (Messenger allows the same)


class EventKind(StrEnum):
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    TEXT = "text"
    POSTBACK = "postback"
    LOCATION = "location"
    IMAGE = "image"
    OTHER = "other"  # stickers, videos, reactions, new event types: acknowledged, not understood


@dataclass(frozen=True)
class Incoming:
    channel: str  # "line", "messenger"
    user_id: str
    kind: EventKind
    text: str = ""
    data: str = ""  # postback data: "action=lang&code=vi"
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    content_id: str | None = None  # the platform's id of a photo
    profile_language: str | None = None  # what the platform says the resident's app language is

    @cached_property
    def action(self) -> dict[str, str]:
        return dict(parse_qsl(self.data)) if self.data else {}


class ChoiceKind(StrEnum):
    POSTBACK = "postback"  # sends ``data`` back
    LOCATION = "location"  # opens the app's location picker; the answer is a location message


@dataclass(frozen=True)
class Choice:
    label: str  # at most 20 characters on LINE
    data: str  # postback data ("" for a location choice)
    kind: ChoiceKind = ChoiceKind.POSTBACK

    @classmethod
    def of(cls, label: str, action: str, **params: str) -> Choice:
        return cls(label[:20], _postback_data(action, tuple(params.items())))

    @classmethod
    def location(cls, label: str) -> Choice:
        """ "Share my location": on platforms without a location picker (Messenger) it is left out."""
        return cls(label[:20], "", ChoiceKind.LOCATION)


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if len(self.choices) > MAX_CHOICES:
            raise ValueError(f"a reply offers at most {MAX_CHOICES} choices, not {len(self.choices)}")


@lru_cache(maxsize=4096)
def _postback_data(action: str, params: tuple[tuple[str, str], ...]) -> str:
    # The same few hundred choices (languages, topics, districts, menus) are offered in nearly every answer:
    # encoding their data afresh each time was a tenth of a webhook worker's time on a busy night.
    return urlencode({"action": action, **dict(params)})
