"""What the scheduler's audit rows say (``messages.said``): a fan-out, an occurrence sent or missed, a notice sent
late or missed. The English is the row's summary; the code and parameters let the console say it in its words."""

from __future__ import annotations

from datetime import datetime, timedelta

from messages.i18n import TAIPEI
from messages.said import Said, count_of
from scheduler.fanout import FanoutResult


def taipei(moment: datetime) -> str:
    return moment.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M")


def fanout_summary(result: FanoutResult) -> Said:
    """For the audit row written with the notice's change to sending, which may precede most of its deliveries."""
    deliveries = count_of("n.deliveries", result.deliveries, "delivery", "deliveries")
    recipients = count_of("n.recipients", result.total_recipients, "recipient", "recipients")
    written = f"{deliveries}, {recipients}"
    if result.complete:
        return Said(written, "fanout.sent", deliveries=deliveries, recipients=recipients)
    return Said(
        f"{written} in the first transaction; the rest follow",
        "fanout.first_part",
        deliveries=deliveries,
        recipients=recipients,
    )


def sent_late(late: timedelta, result: FanoutResult) -> Said:
    fanout = fanout_summary(result)
    return Said(
        f"sent by the scheduler, {late} after its time: {fanout}", "scheduler.sent_late", late=late, fanout=fanout
    )


def occurrence_sent(template_id: int, occurrence_at: datetime, result: FanoutResult) -> Said:
    fanout = fanout_summary(result)
    return Said(
        f"occurrence at {taipei(occurrence_at)} (Taipei) of recurring notice {template_id}: {fanout}",
        "scheduler.occurrence_sent",
        at=occurrence_at,
        notice=str(template_id),
        fanout=fanout,
    )


def occurrence_missed(template_id: int, occurrence_at: datetime, why: Said) -> Said:
    return Said(
        f"occurrence at {taipei(occurrence_at)} (Taipei) of recurring notice {template_id} missed: {why}",
        "scheduler.occurrence_missed",
        at=occurrence_at,
        notice=str(template_id),
        why=why,
    )


def why_occurrence_missed(*, late: timedelta, grace: timedelta, earlier_unlisted: int) -> Said:
    why = (
        Said(f"no scheduler ran within the grace of {grace}", "missed.no_scheduler", grace=grace)
        if late > grace
        else Said(
            "a later occurrence was due by the time a scheduler ran, and only that one was sent", "missed.later_sent"
        )
    )
    if not earlier_unlisted:
        return why
    return Said(
        f"{why}; {earlier_unlisted} earlier occurrences were missed too and are not listed one by one",
        "missed.earlier_too",
        why=why,
        count=earlier_unlisted,
    )


def missed(why: Said) -> Said:
    return Said(f"missed: {why}", "missed", why=why)


def late_beyond_grace(late: timedelta, grace: timedelta) -> Said:
    return Said(f"{late} late, beyond the grace of {grace}", "missed.late", late=late, grace=grace)


def poll_closed(closes_at: datetime) -> Said:
    return Said(f"its poll closed at {taipei(closes_at)} (Taipei)", "missed.poll_closed", closes=closes_at)
