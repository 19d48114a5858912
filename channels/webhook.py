"""Partner webhooks: a signed JSON push of each notice to radio stations and cable operators that prefer push.

The body is the notice in the partner's languages. Headers:
``X-Civicast-Delivery`` (the delivery id: a retry repeats it, so the partner can
drop duplicates), ``X-Civicast-Timestamp`` (Unix seconds) and
``X-Civicast-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``
keyed with the partner's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from typing import Any

import requests
from pydantic import Field, field_validator

from channels.base import (
    Audience,
    Batch,
    ChannelContext,
    ChannelLimits,
    ChannelPreview,
    PermanentError,
    RetryableError,
    SendResult,
)
from channels.section import ChannelSection
from messages.i18n import get_language
from messages.localised import LocalisedNotice

SIGNATURE_HEADER = "X-Civicast-Signature"
TIMESTAMP_HEADER = "X-Civicast-Timestamp"
DELIVERY_HEADER = "X-Civicast-Delivery"


class PartnerSettings(ChannelSection):
    """One entry of ``channels.partners``: a partner's endpoint, the secret its pushes are signed with, and the
    languages it takes (all when None)."""

    name: str = Field(min_length=1, pattern=r"^[a-z0-9_-]+$")
    url: str
    secret: str = Field(min_length=16)
    languages: tuple[str, ...] | None = None
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("languages")
    @classmethod
    def _known_partner_languages(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(get_language(code).code for code in value)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, header: str, *, tolerance_s: float = 300, now: float | None = None
) -> bool:
    """What a partner runs: the signature matches and the timestamp is recent (no replays)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance_s and hmac.compare_digest(signature(secret, timestamp, body), header)


def payload(batch: Batch) -> dict[str, Any]:
    first = batch.notice
    return {
        "delivery_id": batch.delivery_id,
        "identifier": first.identifier,
        "kind": first.kind,
        "msg_type": first.msg_type,
        "severity": first.severity.value,
        "training": first.training,
        "districts": list(first.districts),
        "effective": first.effective.isoformat() if first.effective else None,
        "expires": first.expires.isoformat() if first.expires else None,
        "languages": {code: notice.as_dict() for code, notice in batch.notices.items()},
    }


class PartnerWebhookChannel:
    name = "partner_webhook"
    limits = ChannelLimits(
        max_recipients=0, max_messages=1, max_text_length=1_000_000, requests_per_second=10.0, audience=Audience.PUBLIC
    )

    def __init__(
        self,
        *,
        partner: str,
        url: str,
        secret: str,
        languages: Iterable[str] | None = None,
        timeout_s: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.partner = partner
        self.name = f"partner_webhook:{partner}"
        self.label = partner
        self.url = url
        self.secret = secret
        self.languages = tuple(languages) if languages else None
        self.timeout_s = timeout_s
        self._session = session or requests.Session()

    @classmethod
    def from_settings(cls, settings: PartnerSettings, context: ChannelContext) -> PartnerWebhookChannel:
        return cls(
            partner=settings.name,
            url=settings.url,
            secret=settings.secret,
            languages=settings.languages,
            timeout_s=settings.timeout_s,
        )

    def preview(self, notice: LocalisedNotice) -> ChannelPreview:
        """The language as the partner's push carries it (its JSON), if the partner takes that language."""
        included = self.languages is None or notice.language in self.languages
        return ChannelPreview(
            self.name,
            self.label,
            notice.plain_text,
            title=notice.title_line,
            payload=notice.as_dict(),
            included=included,
        )

    def send(self, batch: Batch) -> SendResult:
        notices = {code: n for code, n in batch.notices.items() if self.languages is None or code in self.languages}
        if not notices:
            raise PermanentError(f"partner {self.partner} takes none of the notice's languages")
        body = json.dumps(payload(Batch(batch.delivery_id, notices)), ensure_ascii=False).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            DELIVERY_HEADER: batch.delivery_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
            "User-Agent": "civicast-partner-webhook/1",
        }
        try:
            response = self._session.post(self.url, data=body, headers=headers, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise RetryableError(f"partner {self.partner} unreachable: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return SendResult(platform_request_id=response.headers.get("X-Request-Id"))
        if status == 409:  # the partner already has this delivery
            return SendResult(platform_request_id=response.headers.get("X-Request-Id"), duplicate=True)
        detail = response.text[:200]
        if status in (408, 425, 429) or status >= 500:
            retry_after = response.headers.get("Retry-After", "")
            raise RetryableError(
                f"partner {self.partner} answered {status}: {detail}",
                status=status,
                delay_s=float(retry_after) if retry_after.isdigit() else None,
            )
        raise PermanentError(f"partner {self.partner} refused ({status}): {detail}", status=status)
