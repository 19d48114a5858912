"""LINE's answers as civicast's errors: 409 is an accepted repeat, 429 a rate limit or the monthly quota, 5xx
worth a retry, anything else a refusal."""

from __future__ import annotations

import json
from typing import Any

from linebot.v3.messaging.exceptions import ApiException

from channels.base import PermanentError, QuotaExhausted, RetryableError, SendResult

MONTHLY_LIMIT = "monthly limit"  # in LINE's 429 body: "You have reached your monthly limit."


def header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def line_message(body: bytes | str | None) -> str:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, TypeError):
        return (body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or ""))[:200]
    details = "; ".join(f"{d.get('property')}: {d.get('message')}" for d in data.get("details", []))
    return f"{data.get('message', '')}{f' ({details})' if details else ''}"


def map_api_exception(exc: ApiException) -> SendResult | Exception:
    """LINE's answer as a result (409: already accepted) or as civicast's error."""
    status = exc.status or 0
    request_id = header(exc.headers, "x-line-request-id")
    message = line_message(exc.body)
    if status == 409:
        accepted = header(exc.headers, "x-line-accepted-request-id")
        return SendResult(platform_request_id=accepted or request_id, duplicate=True)
    if status == 429:
        if MONTHLY_LIMIT in message.lower():
            return QuotaExhausted(
                f"LINE monthly message quota reached: {message}", status=429, platform_request_id=request_id
            )
        retry_after = header(exc.headers, "retry-after")
        delay = float(retry_after) if retry_after and retry_after.isdigit() else None
        return RetryableError(f"LINE rate limit: {message}", delay_s=delay, status=429, platform_request_id=request_id)
    if status == 0 or status >= 500:
        return RetryableError(
            f"LINE server error {status}: {message or exc.reason}", status=status, platform_request_id=request_id
        )
    return PermanentError(
        f"LINE refused the request ({status}): {message}", status=status, platform_request_id=request_id
    )
