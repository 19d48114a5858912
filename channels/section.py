"""The base of every channel's settings section (``channels.<name>`` in config.yaml): unknown keys are refused, and
a section once read does not change."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ChannelSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
