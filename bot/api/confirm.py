"""An API send or schedule that was not confirmed is answered with what it would do.

The desk refuses a send or a schedule without a confirmation; a script learns what it is about to do from the
refusal's ``would`` (recipients, languages, channels, and whether the notice number must be given) and confirms by
sending the same request with ``"confirm": true``, as an officer does on the console's confirmation step."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from bot.api.problems import Problem
from bot.office.confirmation import ConfirmationMissing, WrongNoticeNumber
from bot.office.send_plan import send_plan
from bot.office.services import Services


@contextmanager
def unconfirmed_answered(
    services: Services, notice_id: int, *, at: datetime | None = None, cron: str | None = None
) -> Iterator[None]:
    try:
        yield
    except (ConfirmationMissing, WrongNoticeNumber) as exc:
        plan = send_plan(services, notice_id, at=at, cron=cron)
        advice = (
            f'send again with "confirm": true and "notice_number": {notice_id}'
            if plan.needs_number
            else 'send again with "confirm": true'
        )
        raise Problem(
            "confirmation-required",
            f"{exc}. {plan.sentence()} To go ahead, {advice}.",
            code=exc.code,
            would=plan.as_dict(),
        ) from None
