"""Response bodies, each a dict with fixed keys (the OpenAPI document describes every one).

Times are ISO 8601 in UTC, as stored (``+00:00``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import object_session

from bot.conversation.models import Case, CaseEvent
from bot.office.accounts import Actor
from bot.office.notice_rules import Verb, allowed_actions
from messages.glossary import Glossary, UnknownTerm
from messages.models import Notice
from messages.polls import poll_spec
from scheduler.channel_status import ChannelStatus
from scheduler.fanout import FanoutResult


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # stored values are aware; a naive one is UTC by the database's convention
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def notice_json(notice: Notice, actor: Actor) -> dict[str, Any]:
    return {
        "id": notice.id,
        "identifier": notice.identifier,
        "kind": notice.kind,
        "status": str(notice.status),
        "msg_type": str(notice.msg_type),
        "training": bool(notice.training),
        "sandboxed": bool(notice.sandboxed),
        "topic": notice.topic,
        "severity": notice.severity,
        "params": dict(notice.params or {}),
        "districts": list(notice.districts or []),
        "free_text": notice.free_text,
        "free_text_lang": notice.free_text_lang,
        "ask_checkin": bool(notice.ask_checkin),
        "poll": _poll_json(notice),
        "effective": iso(notice.effective),
        "expires": iso(notice.expires),
        "send_at": iso(notice.send_at),
        "recurrence": notice.recurrence,
        "recurrence_of": notice.recurrence_of,
        "occurrence_at": iso(notice.occurrence_at),
        "sent_at": iso(notice.sent_at),
        "author": notice.author,
        "contributors": list(notice.contributors or []),
        "approver": notice.approver,
        "review_note": notice.review_note,
        "references_id": notice.references_id,
        "created_at": iso(notice.created_at),
        "updated_at": iso(notice.updated_at),
        "actions": _actions(actor, notice),  # what the calling key may do next, as the desk's rules decide
        "url": f"/api/v1/notices/{notice.id}",
    }


def _poll_json(notice: Notice) -> dict[str, Any] | None:
    session = object_session(notice)
    spec = poll_spec(session, notice.id) if session is not None and notice.id is not None else None
    if spec is None:
        return None
    return {
        "closes_at": iso(spec.closes_at),
        "options": [{"number": o.position, "phrase": o.phrase_key, "text": o.text} for o in spec.options],
    }


def _actions(actor: Actor, notice: Notice) -> dict[str, bool]:
    permitted = allowed_actions(actor, notice)
    return {verb.value: verb in permitted for verb in Verb if verb is not Verb.READ}


def page_json(items: list[dict[str, Any]], *, total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def fanout_json(result: FanoutResult, notice: dict[str, Any]) -> dict[str, Any]:
    recipients = {channel: dict(per) for channel, per in result.recipients.items()}
    return {
        "notice_id": result.notice_id,
        "deliveries": result.deliveries,
        "recipients": recipients,
        "total_recipients": sum(sum(per.values()) for per in recipients.values()),
        "notice": notice,
    }


_REPORT_COUNTS = ("targeted", "sent", "failed", "dead", "pending")


def _counts(entry: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {name: int(entry.get(name, 0)) for name in _REPORT_COUNTS}
    data["first_sent"] = entry.get("first_sent")
    data["last_sent"] = entry.get("last_sent")
    return data


def _pending(counts: Mapping[str, Any]) -> dict[str, int]:
    return {"deliveries": int(counts.get("deliveries", 0)), "residents": int(counts.get("residents", 0))}


def channel_json(status: ChannelStatus, *, enabled: bool) -> dict[str, Any]:
    """A channel's state: sending or paused, LINE's reason and since when, what waits on it (every notice)."""
    return {
        "channel": status.channel,
        "enabled": enabled,
        "paused": status.paused,
        "reason": status.reason,
        "since": iso(status.since),
        "pending": _pending(status.waiting.as_dict()),
    }


def paused_channel_json(paused: Mapping[str, Any]) -> dict[str, Any]:
    """A paused channel under a notice's report: what of this notice waits on it, and of every notice."""
    return {
        "channel": paused["channel"],
        "reason": paused.get("reason"),
        "since": paused.get("since"),
        "pending": _pending(paused.get("pending", {})),
        "pending_all_notices": _pending(paused.get("pending_all_notices", {})),
    }


def report_json(report: Mapping[str, Any], notice: Notice) -> dict[str, Any]:
    channels = {}
    for name, entry in report.get("channels", {}).items():
        channel = _counts(entry)
        channel["languages"] = {code: _counts(per) for code, per in entry.get("languages", {}).items()}
        channel["errors"] = [
            {"error": e.get("error"), "deliveries": int(e.get("deliveries", 0))} for e in entry.get("errors", [])
        ]
        channels[name] = channel
    untranslated = report.get("untranslated") or {}
    listed = report.get("occurrences")
    occurrences = (
        None
        if listed is None
        else {
            "total": int(listed["total"]),
            "missed": int(listed["missed"]),
            "items": [
                {
                    "notice_id": item["notice_id"],
                    "occurrence_at": item["occurrence_at"],
                    "status": item["status"],
                    "sent_at": item["sent_at"],
                }
                for item in listed["items"]
            ],
        }
    )
    return {
        "notice_id": notice.id,
        "status": str(notice.status),
        "training": bool(notice.training),
        "sent_at": iso(notice.sent_at),
        "channels": channels,
        "occurrence_of": notice.recurrence_of,
        "occurrence_at": iso(notice.occurrence_at),
        "occurrences": occurrences,
        "untranslated": {
            "languages": list(untranslated.get("languages", [])),
            "residents": int(untranslated.get("residents", 0)),
        },
        "paused_channels": [paused_channel_json(paused) for paused in report.get("paused_channels", [])],
        "messages": dict(report["messages"]),
        # Kept for clients from before every counted channel was listed in "messages".
        "line_messages": report["messages"].get("line"),
    }


def _district_name(glossary: Glossary, key: str, language: str) -> str | None:
    try:
        return glossary.name("district", key, language)
    except UnknownTerm:
        return None


def case_json(case: Case, glossary: Glossary, language: str) -> dict[str, Any]:
    """A petition as officers see it; the resident's platform id is never part of it."""
    return {
        "number": case.number,
        "status": str(case.status),
        "category": case.category,
        "district": case.district,
        "district_name": _district_name(glossary, case.district, language),
        "language": case.language,
        "channel": case.channel,
        "description": case.description,
        "location": case.location,
        "has_photo": case.photo is not None,
        "assignee": case.assignee,
        "agency": case.agency,
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "satisfaction": case.satisfaction,
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
        "url": f"/api/v1/cases/{case.number}",
    }


def case_event_json(event: CaseEvent) -> dict[str, Any]:
    return {
        "status": str(event.status),
        "note": event.note,
        "officer": event.officer,
        "internal": bool(event.internal),
        "agency": event.agency,
        "at": iso(event.created_at),
    }


def case_detail_json(
    case: Case, glossary: Glossary, language: str, *, events: Iterable[CaseEvent] | None = None
) -> dict[str, Any]:
    """The case with its events: those given (the ones the officer may see), or all of them."""
    shown = case.events if events is None else events
    return {**case_json(case, glossary, language), "events": [case_event_json(e) for e in shown]}
