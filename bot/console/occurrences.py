"""A recurring notice's occurrences on its console page: each sent once, or missed, and which notice each became."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.console import blueprint
from bot.console.auth import services
from messages.models import Notice
from scheduler.report import Occurrences, recurrence_occurrences


@dataclass(frozen=True)
class RecurrenceView:
    occurrences: Occurrences | None  # for a recurring notice
    occurrence_of: int | None  # for one of its occurrences: the recurring notice
    occurrence_at: datetime | None


@blueprint.app_template_global("recurrence_view")
def recurrence_view(notice: Notice) -> RecurrenceView | None:
    """What the notice page shows of a recurrence: a recurring notice's occurrences, or an occurrence's origin."""
    if notice.recurrence_of is not None:
        return RecurrenceView(None, notice.recurrence_of, notice.occurrence_at)
    if not notice.recurrence:
        return None
    with services().session_factory() as session:
        return RecurrenceView(recurrence_occurrences(session, notice.id), None, None)
