"""Web Push: a notice as a browser notification, one encrypted push (RFC 8291) per subscribed browser, signed with
the city's VAPID key (RFC 8292), through pywebpush.

A subscriber is a resident of their own kind: their id is a hash of the browser's endpoint and their delivery
address (endpoint and keys) comes from the channel's context, never from the database here. The push service
answers each push on its own, so a batch can partly succeed: the recipients a push service settled (accepted,
gone or refused) are remembered per delivery id, and a retry of the batch pushes only to the others. Should a
retry land on another process, each push also carries the notice as its ``Topic`` (a push still waiting at
the push service is replaced, not doubled) and the notification its ``tag`` (a browser shows it once).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import http_ece
import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid, Vapid01
from pywebpush import WebPushException, webpush
from requests.adapters import HTTPAdapter

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
from channels.webpush_settings import WebPushSettings
from messages.localised import LocalisedNotice

MAX_TITLE = 120  # characters: about two lines of a notification
MAX_BODY = 1000  # a notification shows the first lines; expanded, all of a notice's body and instruction
MAX_PAYLOAD_BYTES = 3000  # an encrypted push carries at most 4 KB; this leaves room for any language
SANDBOX_KEY_FILE = "webpush/vapid_private.pem"
FOREIGN_PREFIX = "/push/foreign/"  # where the sandbox takes a push meant for another push service
ACCEPTED = frozenset({200, 201, 202})
GONE = frozenset({404, 410})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def endpoint_id(endpoint: str) -> str:
    """A subscriber's stable id: the hash of the browser's endpoint (64 hex digits, fits ``platform_user_id``)."""
    return hashlib.sha256(endpoint.encode("utf-8")).hexdigest()


def notice_tag(notice: LocalisedNotice) -> str:
    return f"civicast-{notice.identifier or notice.notice_id}"


def push_topic(notice: LocalisedNotice) -> str:
    """RFC 8030 ``Topic``: at most 32 characters of the URL-safe base64 alphabet, the same for every push of
    the notice, so a push service replaces a waiting push of it instead of delivering it twice."""
    return b64url(hashlib.sha256(notice_tag(notice).encode()).digest())[:32]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def notification(notice: LocalisedNotice, *, icon: str) -> dict[str, Any]:
    """What the service worker shows: the title (training mark and severity first), the body, the page it opens
    in the subscriber's language, and the tag that lets a later push of the notice replace this one."""
    body = "\n".join(part for part in (notice.body, notice.instruction) if part)
    url = notice.link or f"/notices?lang={notice.language}"
    payload: dict[str, Any] = {
        "title": _cut(notice.title_line or notice.headline, MAX_TITLE),
        "body": _cut(body, MAX_BODY),
        "url": url,
        "lang": notice.language,
        "dir": "ltr",  # none of civicast's languages is written right to left
        "severity": notice.severity.value,
        "training": notice.training,
        "test_mark": notice.test_mark,
        "tag": notice_tag(notice),
        "notice_id": notice.notice_id,
        "msg_type": notice.msg_type,
        "icon": icon,  # relative: the service worker resolves it against its own origin
    }
    while len(json.dumps(payload, ensure_ascii=False).encode()) > MAX_PAYLOAD_BYTES and payload["body"]:
        payload["body"] = _cut(payload["body"], max(1, len(payload["body"]) * 3 // 4))
    return payload


def load_or_create_key(path: Path) -> Vapid01:
    """The sandbox's VAPID key: made once, kept under var/ (readable by its owner only) and reused, so browsers
    subscribed in an earlier run stay valid. Two processes starting at once keep the first one written."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Vapid()
        key.generate_keys()
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(key.private_pem())
    return Vapid.from_file(str(path))


def public_key_of(key: Vapid01) -> str:
    """The browser's ``applicationServerKey``: the uncompressed P-256 point, URL-safe base64."""
    point = key.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


class SettledLedger:
    """Per delivery id, the recipients whose push service has answered for good, so a retry skips them.
    Bounded: only deliveries still being retried need remembering."""

    def __init__(self, maxsize: int = 4096) -> None:
        self._settled: OrderedDict[str, set[str]] = OrderedDict()
        self._lock = threading.Lock()
        self._maxsize = maxsize

    def settled(self, delivery_id: str) -> frozenset[str]:
        with self._lock:
            return frozenset(self._settled.get(delivery_id, ()))

    def add(self, delivery_id: str, recipients: Sequence[str]) -> None:
        with self._lock:
            self._settled.setdefault(delivery_id, set()).update(recipients)
            self._settled.move_to_end(delivery_id)
            while len(self._settled) > self._maxsize:
                self._settled.popitem(last=False)

    def forget(self, delivery_id: str) -> None:
        with self._lock:
            self._settled.pop(delivery_id, None)


@dataclass(frozen=True)
class PushOutcome:
    recipient: str
    status: int | None  # None: no answer (timeout, connection lost)
    retry_after: float | None = None
    reason: str = ""


def _retry_after(value: str | None) -> float | None:
    return float(value) if value and value.strip().isdigit() else None


class WebPushChannel:
    """One encrypted, VAPID-signed push per subscribed browser."""

    name = "webpush"
    label = "Web Push"
    limits = ChannelLimits(
        max_recipients=100,  # pushes go one per browser: a batch is what a worker sends within its lease
        max_messages=1,
        max_text_length=MAX_BODY,
        requests_per_second=20.0,  # batches per second; each is up to ``concurrency`` pushes at once
        audience=Audience.RESIDENTS,
    )

    def __init__(self, *, key: Vapid01, settings: WebPushSettings, context: ChannelContext) -> None:
        self.key = key
        self.public_key = public_key_of(key)
        self.settings = settings
        self.context = context
        self.ledger = SettledLedger()
        self._session = requests.Session()
        adapter = HTTPAdapter(pool_maxsize=settings.concurrency, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    @classmethod
    def from_settings(cls, settings: WebPushSettings, context: ChannelContext) -> WebPushChannel:
        if context.sandbox_url is not None:
            key = load_or_create_key(context.var_dir / SANDBOX_KEY_FILE)
        elif settings.vapid_private_key_file is not None:
            key = Vapid.from_file(str(settings.vapid_private_key_file))
        elif settings.vapid_private_key:
            key = Vapid.from_string(settings.vapid_private_key)
        else:
            raise ValueError(
                "channels.webpush in live mode needs vapid_private_key or vapid_private_key_file "
                "(make one with `vapid --gen`)"
            )
        return cls(key=key, settings=settings, context=context)

    # ------------------------------------------------------------------ sending

    def endpoint_for(self, endpoint: str) -> str:
        """Where a push goes: live, the browser's push service; in sandbox mode always the sandbox, a foreign
        endpoint (a real browser's) rewritten to the sandbox's stand-in for it."""
        sandbox = self.context.sandbox_url
        if sandbox is None or endpoint.startswith(sandbox.rstrip("/") + "/"):
            return endpoint
        parts = urlsplit(endpoint)
        return f"{sandbox.rstrip('/')}{FOREIGN_PREFIX}{parts.netloc}{parts.path}"

    def _push(self, recipient: str, address: Mapping[str, Any], data: str, headers: dict[str, str]) -> PushOutcome:
        subscription = {"endpoint": self.endpoint_for(str(address.get("endpoint", ""))), "keys": address.get("keys")}
        try:
            response = webpush(
                subscription,
                data=data,
                vapid_private_key=self.key,
                vapid_claims={"sub": self.settings.subject},  # aud and exp are filled in per push
                ttl=self.settings.ttl_s,
                timeout=self.settings.timeout_s,
                headers=dict(headers),
                requests_session=self._session,
            )
        except WebPushException as exc:
            response = exc.response
            if response is None:  # the subscription itself is unusable (no keys, a bad key)
                return PushOutcome(recipient, 400, reason=exc.message)
            text = getattr(response, "text", "")[:200]
            return PushOutcome(recipient, exc.status_code, _retry_after(exc.retry_after), text)
        except (ValueError, http_ece.ECEException) as exc:  # a malformed key or endpoint in the subscription
            return PushOutcome(recipient, 400, reason=f"unusable subscription: {exc}")
        except requests.RequestException as exc:
            return PushOutcome(recipient, None, reason=f"{type(exc).__name__}: {exc}")
        return PushOutcome(recipient, response.status_code)

    def send(self, batch: Batch) -> SendResult:
        notice = batch.notice
        data = json.dumps(notification(notice, icon=self.settings.icon_path), ensure_ascii=False)
        headers = {"Urgency": self.settings.urgency.get(notice.severity, "normal"), "Topic": push_topic(notice)}
        settled = self.ledger.settled(batch.delivery_id)
        todo = [recipient for recipient in batch.recipients if recipient not in settled]
        addresses = self.context.addresses(self.name, todo) if todo else {}
        missing = [recipient for recipient in todo if not addresses.get(recipient, {}).get("endpoint")]
        reachable = [recipient for recipient in todo if recipient not in missing]
        with ThreadPoolExecutor(max_workers=self.settings.concurrency, thread_name_prefix="webpush") as pool:
            outcomes = list(pool.map(lambda r: self._push(r, addresses[r], data, headers), reachable))
        return self._settle(batch, outcomes, missing=missing, earlier=len(settled))

    def _settle(self, batch: Batch, outcomes: list[PushOutcome], *, missing: list[str], earlier: int) -> SendResult:
        accepted = [o.recipient for o in outcomes if o.status in ACCEPTED]
        gone = [o.recipient for o in outcomes if o.status in GONE]
        retry = [o for o in outcomes if o.status is None or o.status == 429 or o.status >= 500]
        refused = [o for o in outcomes if o not in retry and o.status not in ACCEPTED and o.status not in GONE]
        for recipient in gone:
            self.context.forget(self.name, recipient)  # the browser unsubscribed or the subscription expired
        self.ledger.add(batch.delivery_id, [*accepted, *gone, *(o.recipient for o in refused), *missing])
        ours = [o for o in refused if o.status in (401, 403, 413)]
        if ours:  # our key or our payload is refused: every other push would be too
            raise PermanentError(f"the push service refused our push ({ours[0].status}): {ours[0].reason}")
        if retry:
            delays = [o.retry_after for o in retry if o.retry_after is not None]
            first = retry[0]
            raise RetryableError(
                f"{len(retry)} of {len(outcomes)} pushes not accepted yet "
                f"({first.status or 'no answer'}: {first.reason or 'retry later'})",
                delay_s=max(delays) if delays else None,
                status=first.status,
            )
        if refused and not accepted and not earlier:
            raise PermanentError(f"every push was refused ({refused[0].status}): {refused[0].reason}")
        self.ledger.forget(batch.delivery_id)
        detail = {"accepted": str(len(accepted) + earlier), "gone": str(len(gone)), "refused": str(len(refused))}
        if missing:
            detail["no_address"] = str(len(missing))
        return SendResult(detail=detail)

    # ------------------------------------------------------------------ preview

    def preview(self, notice: LocalisedNotice) -> ChannelPreview:
        """The notification as a browser shows it; ``payload`` is what the push carries, the page it opens
        (``url``, in the notice's language) included."""
        shown = notification(notice, icon=self.settings.icon_path)
        problems = []
        if not notice.link:
            problems.append("the notice has no public page yet: the notification opens the list of notices")
        if shown["body"] != "\n".join(part for part in (notice.body, notice.instruction) if part):
            problems.append(f"the body is cut to {len(shown['body'])} characters to fit a notification")
        return ChannelPreview(
            channel=self.name,
            label=self.label,
            text=shown["body"],
            title=shown["title"],
            payload=shown,
            problems=tuple(problems),
        )

    def close(self) -> None:
        self._session.close()
