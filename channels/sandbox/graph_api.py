"""A stand-in for the Facebook Graph API: page feed posts and the Messenger Send API.

Answers on Graph's own paths (``/v21.0/<page-id>/feed``, ``/v21.0/me/messages``)
with Graph's error bodies (``{"error": {"code": 190, ...}}``); injected faults
can return any Graph error code (4, 17, 32, 613 rate limits; 190, 200 ...).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from channels.sandbox.faults import FAULT_ENVIRON_KEY, DropConnection, Fault, Faults
from channels.sandbox.line_state import json_response

GRAPH_VERSION = re.compile(r"^v\d+\.\d+$")
MESSAGING_WINDOW_S = 24 * 3600


@dataclass
class GraphSandboxState:
    page_id: str
    page_tokens: set[str]
    posts: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # PSID -> when the person last wrote to the page (opens the 24-hour window)
    last_inbound: dict[str, float] = field(default_factory=dict)
    error_codes: list[int] = field(default_factory=list)  # injected: each send answers the next code
    stats: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def graph_error(
    code: int, message: str, *, status: int = 400, error_type: str = "OAuthException", subcode: int | None = None
) -> Response:
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code, "fbtrace_id": uuid.uuid4().hex[:11]}
    if subcode is not None:
        error["error_subcode"] = subcode
    return json_response({"error": error}, status)


GRAPH_ERRORS = {
    4: (400, "Application request limit reached"),
    17: (400, "User request limit reached"),
    32: (400, "Page request limit reached"),
    613: (400, "Calls to this api have exceeded the rate limit."),
    190: (400, "Invalid OAuth access token - Cannot parse access token"),
    200: (403, "(#200) Requires pages_manage_posts permission to manage the object"),
    10: (403, "(#10) This message is sent outside of allowed window."),
    100: (400, "(#100) Invalid parameter"),
    2: (500, "An unexpected error has occurred. Please retry your request later."),
}


class GraphSandbox:
    def __init__(self, state: GraphSandboxState, faults: Faults | None = None) -> None:
        self.state = state
        self.faults = faults or Faults()
        self._ids = random.Random()
        self.url_map = Map(
            [
                Rule("/sandbox/facebook/posts", endpoint="posts", methods=["GET"]),
                Rule("/sandbox/facebook/messages/<psid>", endpoint="inbox", methods=["GET"]),
                Rule("/sandbox/facebook/inbound", endpoint="inbound", methods=["POST"]),
                Rule("/sandbox/facebook/faults", endpoint="faults", methods=["GET", "POST"]),
                Rule("/sandbox/facebook/reset", endpoint="reset", methods=["POST"]),
                Rule("/<version>/me/messages", endpoint="send_message", methods=["POST"]),
                Rule("/<version>/<page_id>/feed", endpoint="feed", methods=["GET", "POST"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as exc:
            response = graph_error(
                100,
                f"Unsupported request: {exc.description}",
                status=exc.code or 400,
                error_type="GraphMethodException",
            )
        return response(environ, start_response)

    def _params(self, request: Request) -> dict[str, str]:
        params = dict(request.args)
        if request.mimetype == "application/json":
            params.update(
                {
                    k: v if isinstance(v, str) else json.dumps(v)
                    for k, v in (request.get_json(silent=True) or {}).items()
                }
            )
        else:
            params.update(request.form)
        if "access_token" not in params and request.headers.get("Authorization", "").startswith("Bearer "):
            params["access_token"] = request.headers["Authorization"][7:]
        return params

    def _gate(self, request: Request, version: str, params: dict[str, str]) -> Response | None:
        self.faults.delay()
        if not GRAPH_VERSION.match(version):
            return graph_error(2500, f"Unknown path components: /{version}", error_type="OAuthException")
        if params.get("access_token") not in self.state.page_tokens:
            return graph_error(190, GRAPH_ERRORS[190][1])
        with self.state.lock:
            injected = self.state.error_codes.pop(0) if self.state.error_codes else None
        if injected is not None:
            status, message = GRAPH_ERRORS.get(injected, (400, f"(#{injected}) Injected error"))
            return graph_error(injected, message, status=status)
        fault = request.environ[FAULT_ENVIRON_KEY] = self.faults.draw()
        if fault is Fault.ERROR:
            return graph_error(2, GRAPH_ERRORS[2][1], status=500)
        if fault is Fault.THROTTLE or self.faults.over_rate_limit():
            return graph_error(32, GRAPH_ERRORS[32][1])
        return None

    def _maybe_drop(self, request: Request) -> None:
        if request.environ.get(FAULT_ENVIRON_KEY) is Fault.DROP:
            with self.state.lock:
                self.state.stats["dropped_after_accept"] += 1
            raise DropConnection()

    def on_feed(self, request: Request, version: str, page_id: str) -> Response:
        params = self._params(request)
        refused = self._gate(request, version, params)
        if refused:
            return refused
        if page_id != self.state.page_id:
            return graph_error(100, f"(#100) Unknown page {page_id}")
        if request.method == "GET":
            limit = min(int(params.get("limit", "25") or 25), 100)
            newest = list(reversed(self.state.posts))[:limit]
            return json_response(
                {"data": [{"id": p["id"], "message": p["message"], "created_time": p["created_time"]} for p in newest]}
            )
        if not params.get("message") and not params.get("link"):
            return graph_error(100, "(#100) The parameter message or link is required")
        post = {
            "id": f"{page_id}_{self._ids.getrandbits(48)}",
            "message": params.get("message", ""),
            "link": params.get("link"),
            "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
        }
        with self.state.lock:
            self.state.posts.append(post)
            self.state.stats["posts"] += 1
        self._maybe_drop(request)
        return json_response({"id": post["id"]})

    def on_send_message(self, request: Request, version: str) -> Response:
        params = self._params(request)
        refused = self._gate(request, version, params)
        if refused:
            return refused
        try:
            recipient = json.loads(params.get("recipient", "{}"))
            message = json.loads(params.get("message", "{}"))
        except ValueError:
            return graph_error(100, "(#100) recipient and message must be JSON objects")
        psid = str(recipient.get("id", ""))
        if not psid or not message:
            return graph_error(100, "(#100) recipient.id and message are required")
        opened = self.state.last_inbound.get(psid)
        if params.get("messaging_type", "RESPONSE") == "RESPONSE" and (
            opened is None or time.time() - opened > MESSAGING_WINDOW_S
        ):
            status, text = GRAPH_ERRORS[10]
            return graph_error(10, text, status=status, subcode=2018278)
        sent = {"message_id": "m_" + uuid.uuid4().hex, "message": message, "sent_at": time.time()}
        with self.state.lock:
            self.state.messages.setdefault(psid, []).append(sent)
            self.state.stats["messages"] += 1
        self._maybe_drop(request)
        return json_response({"recipient_id": psid, "message_id": sent["message_id"]})

    # ------------------------------------------------------------------ sandbox controls

    def on_posts(self, request: Request) -> Response:
        return json_response({"data": list(reversed(self.state.posts))})

    def on_inbox(self, request: Request, psid: str) -> Response:
        return json_response({"psid": psid, "messages": self.state.messages.get(psid, [])})

    def on_inbound(self, request: Request) -> Response:
        """Record that a person wrote to the page, which opens Messenger's 24-hour window."""
        data = request.get_json(silent=True) or {}
        psid = str(data.get("psid", ""))
        if not psid:
            return graph_error(100, "psid is required")
        self.state.last_inbound[psid] = float(data.get("at", time.time()))
        return json_response({"psid": psid, "window_open_until": self.state.last_inbound[psid] + MESSAGING_WINDOW_S})

    def on_faults(self, request: Request) -> Response:
        if request.method == "POST":
            data = dict(request.get_json(silent=True) or {})
            codes = data.pop("error_codes", None)
            try:
                self.faults.update(data)
            except (ValueError, TypeError) as exc:
                return graph_error(100, str(exc))
            if codes is not None:
                with self.state.lock:
                    self.state.error_codes = [int(c) for c in codes]
        return json_response({**self.faults.settings(), "error_codes": self.state.error_codes})

    def reset(self) -> None:
        with self.state.lock:
            self.state.posts.clear()
            self.state.messages.clear()
            self.state.error_codes.clear()
            self.state.stats.clear()

    def on_reset(self, request: Request) -> Response:
        self.reset()
        return json_response({"reset": True})
