"""The ``petitions:`` settings: each category's agency and processing limit, and the due-date reminders."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.conversation.deadlines import (
    CATEGORY_AGENCIES,
    CATEGORY_PROCESSING_DAYS,
    DEFAULT_PROCESSING_DAYS,
    PetitionRules,
)
from bot.conversation.working_days import MAX_WORKING_DAYS


class PetitionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # Each category's agency (an agencies key; null: an officer assigns it) and limit in working days.
    # Categories left out keep their defaults (bot.conversation.deadlines).
    agencies: dict[str, str | None] = Field(default_factory=dict)
    processing_days: dict[str, int] = Field(default_factory=dict)
    default_processing_days: int = Field(default=DEFAULT_PROCESSING_DAYS, ge=1, le=MAX_WORKING_DAYS)
    remind_days_before: int = Field(default=1, ge=0, le=30)  # working days before the due date
    remind_every_s: float = Field(default=900.0, ge=10, le=86400)  # how often the leader looks for due cases

    @field_validator("agencies", "processing_days")
    @classmethod
    def _known_categories(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(CATEGORY_AGENCIES))
        if unknown:
            raise ValueError(f"unknown petition categories: {', '.join(unknown)}")
        return value

    @field_validator("processing_days")
    @classmethod
    def _limits(cls, value: dict[str, int]) -> dict[str, int]:
        for category, days in value.items():
            if not 1 <= days <= MAX_WORKING_DAYS:
                raise ValueError(f"{category}: a processing limit is 1 to {MAX_WORKING_DAYS} working days")
        return value

    def rules(self) -> PetitionRules:
        return PetitionRules(
            agencies={**CATEGORY_AGENCIES, **self.agencies},
            processing_days={**CATEGORY_PROCESSING_DAYS, **self.processing_days},
            default_processing_days=self.default_processing_days,
            remind_days_before=self.remind_days_before,
        )
