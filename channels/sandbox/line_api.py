"""A stand-in for the LINE Messaging API, on LINE's own paths, enforcing what LINE enforces.

Send endpoints check the bearer token, the 2 MB body limit, 1–500 recipients,
1–5 messages, 5,000 UTF-16 code units of text, altText ≤ 1,500 characters,
Flex contents ≤ 30 KB and 13 quick-reply items; keep retry keys for 24 hours
(a repeat gets 409 with ``X-Line-Accepted-Request-Id`` and delivers nothing);
apply the configured rate limit and monthly quota (429, with LINE's bodies).
Each user has an inbox; simulated residents can follow, write and tap, and the
sandbox delivers signed webhooks to the bot as LINE would.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from channels.sandbox.faults import FAULT_ENVIRON_KEY, DropConnection, Fault, Faults
from channels.sandbox.line_events import build_event, deliver_webhook, issue_reply_tokens
from channels.sandbox.line_rules import USER_ID, message_problems, recipient_problems
from channels.sandbox.line_state import (
    AUTH_FAILED,
    MONTHLY_LIMIT,
    REPLY_TOKEN_TTL_S,
    LineSandboxState,
    SimulatedUser,
    json_response,
    line_error,
    new_user_id,
)

MAX_BODY = 2 * 1024 * 1024
RETRY_KEY = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class LineSandbox:
    """The LINE Messaging API stand-in as a WSGI application."""

    def __init__(self, state: LineSandboxState, faults: Faults | None = None) -> None:
        self.state = state
        self.faults = faults or Faults()
        self.url_map = Map(
            [
                Rule("/v2/bot/message/multicast", endpoint="multicast", methods=["POST"]),
                Rule("/v2/bot/message/push", endpoint="push", methods=["POST"]),
                Rule("/v2/bot/message/reply", endpoint="reply", methods=["POST"]),
                Rule("/v2/bot/profile/<user_id>", endpoint="profile", methods=["GET"]),
                Rule("/v2/bot/message/quota", endpoint="quota", methods=["GET"]),
                Rule("/v2/bot/message/quota/consumption", endpoint="consumption", methods=["GET"]),
                Rule("/sandbox/line/inbox/<user_id>", endpoint="inbox", methods=["GET"]),
                Rule("/sandbox/line/summary", endpoint="summary", methods=["GET"]),
                Rule("/sandbox/line/users", endpoint="users", methods=["POST", "GET"]),
                Rule("/sandbox/line/simulate", endpoint="simulate", methods=["POST"]),
                Rule("/sandbox/line/reply-tokens", endpoint="reply_tokens", methods=["POST"]),
                Rule("/sandbox/line/replies", endpoint="replies", methods=["GET"]),
                Rule("/sandbox/line/webhook", endpoint="webhook", methods=["POST", "GET"]),
                Rule("/sandbox/line/faults", endpoint="faults", methods=["POST", "GET"]),
                Rule("/sandbox/line/reset", endpoint="reset", methods=["POST"]),
            ]
        )

    # ------------------------------------------------------------------ plumbing

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as exc:
            response = line_error(exc.code or 500, exc.description or exc.name)
        return response(environ, start_response)

    def _body(self, request: Request) -> tuple[Any, Response | None]:
        if (request.content_length or 0) > MAX_BODY:
            return None, line_error(413, "Request Entity Too Large")
        raw = request.get_data(cache=False)
        if len(raw) > MAX_BODY:
            return None, line_error(413, "Request Entity Too Large")
        try:
            return json.loads(raw or b"null"), None
        except ValueError:
            return None, line_error(
                400, "The request body has 1 error(s)", [{"message": "Malformed JSON", "property": ""}]
            )

    def _gate(self, request: Request, *, send: bool) -> Response | None:
        """Authentication and the injected faults, in the order LINE's edge applies them."""
        self.faults.delay()
        if not self.state.authorised(request):
            return line_error(401, AUTH_FAILED)
        fault = request.environ[FAULT_ENVIRON_KEY] = self.faults.draw()
        if fault is Fault.ERROR:
            return line_error(500, "Internal server error")
        if fault is Fault.THROTTLE or (send and self.faults.over_rate_limit()):
            return line_error(429, "Too many requests")
        return None

    def _deliver(
        self,
        request: Request,
        recipients: list[str],
        messages: list[dict[str, Any]],
        via: str,
        *,
        count_quota: bool = True,
        reply_token: str | None = None,
    ) -> Response:
        state = self.state
        retry_key = request.headers.get("X-Line-Retry-Key")
        if retry_key is not None and not RETRY_KEY.match(retry_key):
            return line_error(400, "The value for the 'X-Line-Retry-Key' header is invalid")
        request_id = uuid.uuid4().hex
        now = time.time()
        with state.lock:
            if retry_key is not None:
                accepted = state.retry_keys.get(retry_key)
                if accepted and now - accepted[1] < state.retry_key_ttl_s:
                    state.stats["retry_key_conflicts"] += 1
                    return line_error(
                        409,
                        "The retry key is already accepted",
                        headers={"X-Line-Request-Id": request_id, "X-Line-Accepted-Request-Id": accepted[0]},
                    )
            # LINE counts a send once per recipient, however many message objects it carries.
            cost = len(recipients) if count_quota else 0
            quota = self.faults.monthly_quota
            if quota is not None and state.this_months_usage() + cost > quota:
                state.stats["quota_refusals"] += 1
                return line_error(429, MONTHLY_LIMIT, headers={"X-Line-Request-Id": request_id})
            if cost:  # (a reply costs nothing: no need to work out the month)
                state.quota_used = state.this_months_usage() + cost
            if retry_key is not None:
                state.retry_keys[retry_key] = (request_id, now, len(recipients))
            state.deliveries.append((request_id, via, now, messages, recipients))
            if reply_token is not None:
                state.replied_at[reply_token] = now
            state.stats[f"{via}_requests"] += 1
            # Per kind of send, how many recipients it reached: multicast and push are what the quota counts,
            # replies are free; the summary shows them apart.
            state.stats[f"{via}_recipients"] += len(recipients)
            state.stats["messages_delivered"] += len(recipients) * len(messages)
        if request.environ.get(FAULT_ENVIRON_KEY) is Fault.DROP:
            with state.lock:
                state.stats["dropped_after_accept"] += 1
            raise DropConnection()
        # LINE answers push and reply with the ids of the messages sent; multicast with {}.
        answer = (
            {}
            if via == "multicast"
            else {
                "sentMessages": [{"id": str(uuid.uuid4().int)[:18], "quoteToken": uuid.uuid4().hex} for _ in messages]
            }
        )
        return json_response(answer, headers={"X-Line-Request-Id": request_id})

    # ------------------------------------------------------------------ the Messaging API

    def _send_body(self, request: Request, *, send: bool) -> tuple[dict[str, Any], Response | None]:
        """The gate, then the JSON body of a send request (an object, or LINE's refusal)."""
        refused = self._gate(request, send=send)
        if refused:
            return {}, refused
        body, problem = self._body(request)
        return (body if isinstance(body, dict) else {}), problem

    @staticmethod
    def _invalid(details: list[dict[str, str]]) -> Response:
        return line_error(400, f"The request body has {len(details)} error(s)", details)

    def on_multicast(self, request: Request) -> Response:
        with self.state.lock:
            self.state.stats["multicast_http_requests"] += 1
        body, refused = self._send_body(request, send=True)
        if refused:
            return refused
        to: Any = body.get("to")  # untrusted JSON, checked next
        details = recipient_problems(to) + message_problems(body.get("messages"), request.content_length)
        if details:
            return self._invalid(details)
        return self._deliver(request, list(dict.fromkeys(to)), body["messages"], "multicast")

    def on_push(self, request: Request) -> Response:
        body, refused = self._send_body(request, send=True)
        if refused:
            return refused
        details = []
        if not isinstance(body.get("to"), str) or not USER_ID.match(body["to"]):
            details.append({"message": "Invalid user ID", "property": "to"})
        details += message_problems(body.get("messages"))
        if details:
            return self._invalid(details)
        return self._deliver(request, [body["to"]], body["messages"], "push")

    def on_reply(self, request: Request) -> Response:
        body, refused = self._send_body(request, send=False)
        if refused:
            return refused
        details = message_problems(body.get("messages"))
        if details:
            return self._invalid(details)
        token = str(body.get("replyToken"))
        with self.state.lock:
            issued = self.state.reply_tokens.pop(token, None)
        if issued is None or time.time() - issued[1] > REPLY_TOKEN_TTL_S:
            return line_error(400, "Invalid reply token")
        return self._deliver(request, [issued[0]], body["messages"], "reply", count_quota=False, reply_token=token)

    def on_profile(self, request: Request, user_id: str) -> Response:
        refused = self._gate(request, send=False)
        if refused:
            return refused
        user = self.state.users.get(user_id)
        if user is None:
            return line_error(404, "Not found")
        profile = {"userId": user.user_id, "displayName": user.display_name}
        if user.language:
            profile["language"] = user.language
        return json_response(profile)

    def on_quota(self, request: Request) -> Response:
        """The month's target limit: ``{"type": "limited", "value": n}``, or ``{"type": "none"}`` without one."""
        refused = self._gate(request, send=False)
        if refused:
            return refused
        quota = self.faults.monthly_quota
        return json_response({"type": "none"} if quota is None else {"type": "limited", "value": quota})

    def on_consumption(self, request: Request) -> Response:
        """Messages sent this month: multicast and push count one per recipient, replies not at all."""
        refused = self._gate(request, send=False)
        if refused:
            return refused
        with self.state.lock:
            used = self.state.this_months_usage()
        return json_response({"totalUsage": used})

    # ------------------------------------------------------------------ sandbox controls

    def _index(self) -> None:
        """Bring the per-user inbox index up to date (call with the lock held)."""
        state = self.state
        for index in range(state.indexed, len(state.deliveries)):
            for user in state.deliveries[index][4]:
                state.inbox.setdefault(user, []).append(index)
        state.indexed = len(state.deliveries)

    def on_inbox(self, request: Request, user_id: str) -> Response:
        state = self.state
        with state.lock:
            self._index()
            indexes = list(state.inbox.get(user_id, ()))
            records = [state.deliveries[i] for i in indexes]
        return json_response(
            {
                "userId": user_id,
                "messages": [
                    {"requestId": rid, "via": via, "receivedAt": at, "message": message}
                    for rid, via, at, messages, _ in records
                    for message in messages
                ],
            }
        )

    def on_summary(self, request: Request) -> Response:
        """Aggregate delivery figures: how many users got how many sends (duplicates show as > 1)."""
        with self.state.lock:
            self._index()
            histogram = Counter(len(v) for v in self.state.inbox.values())
            stats = dict(self.state.stats)
            accepted = [at for _, via, at, _, _ in self.state.deliveries if via == "multicast"]
        return json_response(
            {
                "users": len(self.state.inbox),
                "sends_per_user": {str(k): v for k, v in sorted(histogram.items())},
                "users_with_more_than_one": sum(v for k, v in histogram.items() if k > 1),
                "quota_used": self.state.quota_used,
                "stats": stats,
                # When the first and the last multicast were accepted (Unix time), for timing a notice end to end.
                "first_multicast_at": min(accepted, default=None),
                "last_multicast_at": max(accepted, default=None),
            }
        )

    def on_users(self, request: Request) -> Response:
        if request.method == "GET":
            return json_response([vars(u) for u in self.state.users.values()])
        body, problem = self._body(request)
        if problem:
            return problem
        items = body if isinstance(body, list) else [body]
        created = []
        for item in items:
            if not isinstance(item, dict):
                return line_error(400, "each user is an object with userId, displayName, language")
            user_id = item.get("userId") or new_user_id()
            if not USER_ID.match(user_id):
                return line_error(400, f"userId must look like U followed by 32 hex digits, got {user_id!r}")
            user = SimulatedUser(user_id, item.get("displayName", "Sandbox resident"), item.get("language"))
            self.state.users[user_id] = user
            created.append(vars(user))
        return json_response(created if isinstance(body, list) else created[0], 201)

    def on_reply_tokens(self, request: Request) -> Response:
        """``{"userIds": [...]}`` -> ``{"replyTokens": [...]}``: tokens as if LINE had delivered an event of each."""
        body, problem = self._body(request)
        if problem:
            return problem
        try:
            tokens = issue_reply_tokens(self.state, (body or {}).get("userIds") if isinstance(body, dict) else None)
        except ValueError as exc:
            return line_error(400, str(exc))
        return json_response({"replyTokens": tokens})

    def on_replies(self, request: Request) -> Response:
        """When each reply was accepted (Unix time), by reply token: for timing an answer from its webhook."""
        with self.state.lock:
            return json_response({"repliedAt": dict(self.state.replied_at)})

    def on_webhook(self, request: Request) -> Response:
        if request.method == "POST":
            body, problem = self._body(request)
            if problem:
                return problem
            self.state.webhook_url = (body or {}).get("url")
        return json_response({"url": self.state.webhook_url})

    def on_faults(self, request: Request) -> Response:
        if request.method == "POST":
            body, problem = self._body(request)
            if problem:
                return problem
            try:
                self.faults.update(body or {})
            except (ValueError, TypeError) as exc:
                return line_error(400, str(exc))
        return json_response(self.faults.settings())

    def reset(self) -> None:
        """Forget every delivery, retry key, reply token and count; users and settings stay."""
        with self.state.lock:
            self.state.inbox.clear()
            self.state.deliveries.clear()
            self.state.indexed = 0
            self.state.retry_keys.clear()
            self.state.reply_tokens.clear()
            self.state.replied_at.clear()
            self.state.quota_used = 0
            self.state.stats.clear()

    def on_reset(self, request: Request) -> Response:
        self.reset()
        return json_response({"reset": True})

    def on_simulate(self, request: Request) -> Response:
        body, problem = self._body(request)
        if problem:
            return problem
        try:
            event = build_event(self.state, body if isinstance(body, dict) else {})
        except ValueError as exc:
            return line_error(400, str(exc))
        if not self.state.webhook_url:
            return line_error(409, 'no webhook URL is set: POST /sandbox/line/webhook {"url": ...} first')
        status, answer = deliver_webhook(self.state, [event])
        return json_response({"event": event, "webhookStatus": status, "webhookResponse": answer})
