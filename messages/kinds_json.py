"""The kinds as JSON: what `civicast kinds --json` and the API's /kinds show officers and integrators."""

from __future__ import annotations

from typing import Any

from messages.kinds import KindBook, Param


def _param_json(param: Param, book: KindBook) -> dict[str, Any]:
    data: dict[str, Any] = {"name": param.name, "type": param.type.value, "required": param.required}
    if param.enum:
        data["enum"] = param.enum
        data["allowed"] = list(book.enums[param.enum])
    if param.group:
        data["group"] = param.group
    if param.minimum is not None:
        data["min"] = param.minimum
    if param.maximum is not None:
        data["max"] = param.maximum
    if param.after is not None:
        data["after"] = param.after
    data["example"] = param.example
    return data


def kinds_as_json(book: KindBook) -> list[dict[str, Any]]:
    """Every kind with its topic, agency, CAP mapping and parameters: what `civicast kinds --json` and the API show."""
    return [
        {
            "id": kind.id,
            "title": kind.title,
            "topic": kind.topic.value,
            "agency": kind.agency,
            "free_text_only": kind.free_text_only,
            "cap": {
                "category": kind.cap.category,
                "event_code": kind.cap.event_code,
                "urgency": kind.cap.urgency,
                "severity": kind.cap.severity.value,
                "certainty": kind.cap.certainty,
            },
            "levels": None
            if kind.levels is None
            else {
                "param": kind.levels.param,
                "rows": [
                    {"level": level, "urgency": row.urgency, "severity": row.severity.value, "certainty": row.certainty}
                    for level, row in kind.levels.rows
                ],
            },
            "params": [_param_json(p, book) for p in kind.params.values()],
        }
        for kind in book.kinds.values()
    ]
