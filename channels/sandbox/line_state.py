"""The LINE sandbox's state and its answers' shapes: users, deliveries, retry keys, reply tokens, the quota."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

AUTH_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."
MONTHLY_LIMIT = "You have reached your monthly limit."
REPLY_TOKEN_TTL_S = 60.0
QUOTA_ZONE = ZoneInfo("Asia/Taipei")  # the month the quota counts in: an account in Taiwan's


def quota_month(at: float) -> str:
    return datetime.fromtimestamp(at, QUOTA_ZONE).strftime("%Y-%m")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False), status=status, headers=headers, content_type="application/json"
    )


def line_error(
    status: int, message: str, details: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = details
    return json_response(body, status, headers)


def new_user_id() -> str:
    return "U" + uuid.uuid4().hex


@dataclass
class SimulatedUser:
    user_id: str
    display_name: str = "Sandbox resident"
    language: str | None = None


@dataclass
class LineSandboxState:
    access_tokens: set[str]
    channel_secret: str
    webhook_url: str | None = None
    retry_key_ttl_s: float = 24 * 3600
    users: dict[str, SimulatedUser] = field(default_factory=dict)
    # Each accepted send is kept once with its recipients; the per-user inbox index is built when
    # someone looks, so a 500-recipient multicast costs one append, not 500.
    deliveries: list[tuple[str, str, float, list[dict[str, Any]], list[str]]] = field(default_factory=list)
    inbox: dict[str, list[int]] = field(default_factory=dict)
    indexed: int = 0  # deliveries[:indexed] are in `inbox`
    retry_keys: dict[str, tuple[str, float, int]] = field(default_factory=dict)
    reply_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    replied_at: dict[str, float] = field(default_factory=dict)  # reply token -> when its reply was accepted
    quota_used: int = 0  # this month's, as /quota/consumption reports it
    quota_month: str | None = None  # the month quota_used counts; a new month starts from 0, as LINE's does
    clock: Callable[[], float] = time.time  # when sends happen, for the month they count in
    stats: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def this_months_usage(self) -> int:
        """Messages counted this month (call with the lock held): a new month starts again from 0."""
        month = quota_month(self.clock())
        if month != self.quota_month:
            self.quota_month, self.quota_used = month, 0
        return self.quota_used

    def authorised(self, request: Request) -> bool:
        """Whether the request carries one of the channel's access tokens, as LINE checks it."""
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.access_tokens
