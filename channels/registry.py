"""The channels civicast can publish on, by name: an explicit table, no directory scanning.

Each entry names its settings section (``channels.<section>`` in config.yaml), that section's model, and the
channel class, imported only when a channel is built (line-bot-sdk alone takes seconds to import). The class
builds itself with ``from_settings(settings, context)``. Whatever iterates over channels (the preview grid, the
audience counts, the delivery report, the console, case notifications) is given the built channels and asks them
what they can do through the protocols of ``channels.base``: it never names one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from channels.base import ChannelContext
from channels.cable_tv import CableTvSettings
from channels.facebook import FacebookSettings
from channels.line_settings import LineSettings
from channels.webhook import PartnerSettings
from channels.webpush_settings import WebPushSettings


class Buildable(Protocol):
    """A channel class: built from its settings section and the context the services give every channel."""

    def from_settings(self, settings: Any, context: ChannelContext) -> Any: ...


@dataclass(frozen=True)
class ChannelType:
    """A kind of channel. ``many``: its section is a list, one channel per entry (the partners' webhooks)."""

    name: str
    settings: type[BaseModel]
    load: Callable[[], Buildable]
    section: str = ""  # the settings section; the type's name when empty
    many: bool = False
    # Built even when its section says enabled: false, because the bot may still answer residents on it (LINE,
    # Messenger); a channel that only sends is not built at all then (and needs no keys).
    built_when_disabled: bool = True

    @property
    def section_name(self) -> str:
        return self.section or self.name


class UnknownChannelType(KeyError):
    """No channel type of that name is registered."""


class ChannelRegistry:
    """Channel types by name, in the order they were registered (the order of the grid's columns)."""

    def __init__(self, types: Iterable[ChannelType] = ()) -> None:
        self._types: dict[str, ChannelType] = {}
        for channel_type in types:
            self.register(channel_type)

    def register(self, channel_type: ChannelType) -> None:
        if channel_type.name in self._types:
            raise ValueError(f"a channel type called {channel_type.name!r} is registered already")
        self._types[channel_type.name] = channel_type

    def __iter__(self) -> Any:
        return iter(self._types.values())

    def __getitem__(self, name: str) -> ChannelType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownChannelType(name) from None

    def sections(self, channel_type: ChannelType, settings: BaseModel) -> list[BaseModel]:
        """The type's configured sections: the one section (its model's defaults when the configuration has no
        such section), or each entry of a list section."""
        configured = getattr(settings, channel_type.section_name, None)
        if configured is None:
            return [] if channel_type.many else [channel_type.settings()]
        return list(configured) if channel_type.many else [configured]

    def build_all(self, settings: BaseModel, context: Callable[[str], ChannelContext]) -> list[tuple[Any, bool]]:
        """Every channel the settings configure, each with whether it is enabled (a section with ``enabled:
        false`` is not). ``context(type name)`` gives each type its hooks."""
        built: list[tuple[Any, bool]] = []
        for channel_type in self:
            sections = self.sections(channel_type, settings)
            if not sections:
                continue
            cls = channel_type.load()
            for section in sections:
                enabled = bool(getattr(section, "enabled", True))
                if enabled or channel_type.built_when_disabled:
                    built.append((cls.from_settings(section, context(channel_type.name)), enabled))
        return built

    def build(self, settings: BaseModel, context: Callable[[str], ChannelContext]) -> dict[str, Any]:
        """Every enabled channel the settings configure, by its name."""
        return {channel.name: channel for channel, enabled in self.build_all(settings, context) if enabled}


def _line() -> Buildable:
    from channels.line import LineChannel

    return LineChannel


def _facebook() -> Buildable:
    from channels.facebook import FacebookChannel

    return FacebookChannel


def _partner_webhook() -> Buildable:
    from channels.webhook import PartnerWebhookChannel

    return PartnerWebhookChannel


def _cable_tv() -> Buildable:
    from channels.cable_tv import CableTvCrawl

    return CableTvCrawl


def _webpush() -> Buildable:
    from channels.webpush import WebPushChannel

    return WebPushChannel


def default_registry() -> ChannelRegistry:
    """civicast's channels, in the order the preview grid shows them."""
    return ChannelRegistry(
        [
            ChannelType("line", LineSettings, _line),
            ChannelType("facebook", FacebookSettings, _facebook),
            ChannelType("cable_tv", CableTvSettings, _cable_tv),
            ChannelType("webpush", WebPushSettings, _webpush, built_when_disabled=False),
            ChannelType("partner_webhook", PartnerSettings, _partner_webhook, section="partners", many=True),
        ]
    )
