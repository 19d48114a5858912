"""The officer's confirmation of a send or a schedule, checked by the workflow layer.

A door that shows officers what a send will do (the console) passes their answer; the desk refuses the send or the
schedule when it is missing, and, for an Extreme notice to the whole city, when the notice number typed to confirm
is not this notice's. Doors that confirm otherwise (an API key's script, the command line's own prompt) pass none.
"""

from __future__ import annotations

from dataclasses import dataclass

from messages.glossary import WHOLE_CITY
from messages.kinds import KindBook, Severity
from messages.models import Notice
from scheduler.menus import notice_severity
from scheduler.sending import NoticeActionError


class ConfirmationMissing(NoticeActionError):
    """The officer did not confirm what the send or schedule would do."""

    def __init__(self, notice_id: int) -> None:
        super().__init__(
            f"notice {notice_id}: confirm what it will do before it is sent or scheduled",
            code="confirm_needed",
            id=notice_id,
        )
        self.notice_id = notice_id


class WrongNoticeNumber(NoticeActionError):
    """The number typed to confirm a city-wide Extreme notice is not this notice's."""

    def __init__(self, notice_id: int, typed: str) -> None:
        super().__init__(
            f"notice {notice_id} goes to the whole city at the Extreme level: type its number, {notice_id}, "
            f"to confirm ({typed!r} was typed)",
            code="wrong_number",
            id=notice_id,
            typed=typed,
        )
        self.notice_id, self.typed = notice_id, typed


@dataclass(frozen=True)
class Confirmation:
    """What the officer answered on the confirmation step."""

    confirmed: bool = False
    typed_number: str = ""


def is_city_wide(notice: Notice) -> bool:
    return WHOLE_CITY in (notice.districts or [])


def needs_typed_number(notice: Notice, kinds: KindBook) -> bool:
    """An Extreme notice to the whole city: the officer types its number, a slip of the thumb does not send it."""
    severity = notice_severity(kinds, notice.kind, notice.params, notice.severity)
    return is_city_wide(notice) and severity is Severity.EXTREME


def check_confirmation(notice: Notice, confirmation: Confirmation, kinds: KindBook) -> None:
    if not confirmation.confirmed:
        raise ConfirmationMissing(notice.id)
    if needs_typed_number(notice, kinds):
        typed = confirmation.typed_number.strip().lstrip("#")
        if typed != str(notice.id):
            raise WrongNoticeNumber(notice.id, confirmation.typed_number.strip()[:20])
