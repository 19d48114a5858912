"""LINE rich menus in the sandbox: create one, upload its image (LINE's data host), link it to users, one by one
or in bulk (``/v2/bot/richmenu/bulk/link`` and ``/unlink``: 1–500 user ids, answered 202, within LINE's rate limit
for them, 2,000 requests per second, which tests may lower; over it, 429 as LINE answers)."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from channels.sandbox.faults import Fault, Faults
from channels.sandbox.line_rules import USER_ID
from channels.sandbox.line_state import AUTH_FAILED, LineSandboxState, json_response, line_error

MAX_IMAGE = 1024 * 1024
MAX_BULK_USERS = 500
BULK_RATE_RPS = 2000.0  # LINE's limit for endpoints not named in its rate-limit table, bulk link among them


@dataclass
class RichMenuState:
    menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (content type, bytes)
    links: dict[str, str] = field(default_factory=dict)  # user -> rich menu id
    bulk_requests: int = 0  # bulk link and unlink requests accepted
    default: str | None = None  # the menu of users without a linked one
    lock: threading.Lock = field(default_factory=threading.Lock)


def _menu_problems(menu: Any) -> list[dict[str, str]]:
    if not isinstance(menu, dict):
        return [{"message": "must be an object", "property": ""}]
    problems = []
    size = menu.get("size") or {}
    width, height = size.get("width"), size.get("height")
    if (
        not isinstance(width, int)
        or not 800 <= width <= 2500
        or not isinstance(height, int)
        or height < 250
        or width / height < 1.45
    ):
        problems.append({"message": "invalid size", "property": "size"})
    if not isinstance(menu.get("chatBarText"), str) or not 1 <= len(menu["chatBarText"]) <= 14:
        problems.append({"message": "Length must be between 1 and 14", "property": "chatBarText"})
    if not isinstance(menu.get("name"), str) or not 1 <= len(menu["name"]) <= 300:
        problems.append({"message": "Length must be between 1 and 300", "property": "name"})
    areas = menu.get("areas")
    if not isinstance(areas, list) or not 1 <= len(areas) <= 20:
        problems.append({"message": "Size must be between 1 and 20", "property": "areas"})
    return problems


class RichMenuSandbox:
    def __init__(
        self, line_state: LineSandboxState, state: RichMenuState | None = None, bulk_faults: Faults | None = None
    ) -> None:
        self.line_state = line_state
        self.state = state or RichMenuState()
        # The bulk endpoints' own budget (LINE limits each endpoint apart), and any faults a test injects there.
        self.bulk_faults = bulk_faults or Faults(rate_limit_rps=BULK_RATE_RPS)
        self.url_map = Map(
            [
                Rule("/v2/bot/richmenu/bulk/link", endpoint="bulk_link", methods=["POST"]),
                Rule("/v2/bot/richmenu/bulk/unlink", endpoint="bulk_unlink", methods=["POST"]),
                Rule("/v2/bot/richmenu", endpoint="create", methods=["POST"]),
                Rule("/v2/bot/richmenu/list", endpoint="list", methods=["GET"]),
                Rule("/v2/bot/richmenu/<menu_id>/content", endpoint="content", methods=["POST"]),
                Rule("/v2/bot/user/all/richmenu/<menu_id>", endpoint="set_default", methods=["POST"]),
                Rule("/v2/bot/user/all/richmenu", endpoint="default", methods=["GET"]),
                Rule("/v2/bot/user/<user_id>/richmenu/<menu_id>", endpoint="link", methods=["POST"]),
                Rule("/v2/bot/user/<user_id>/richmenu", endpoint="linked", methods=["GET"]),
                Rule("/sandbox/line/richmenus", endpoint="overview", methods=["GET"]),
                Rule("/sandbox/line/richmenus/faults", endpoint="faults", methods=["GET", "POST"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
            if not endpoint.startswith(("overview", "faults")) and not self.line_state.authorised(request):
                response = line_error(401, AUTH_FAILED)
            else:
                response = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as exc:
            response = line_error(exc.code or 500, exc.description or exc.name)
        return response(environ, start_response)

    def on_create(self, request: Request) -> Response:
        try:
            menu = json.loads(request.get_data() or b"null")
        except ValueError:
            return line_error(400, "The request body has 1 error(s)", [{"message": "Malformed JSON", "property": ""}])
        problems = _menu_problems(menu)
        if problems:
            return line_error(400, f"The request body has {len(problems)} error(s)", problems)
        menu_id = "richmenu-" + uuid.uuid4().hex
        with self.state.lock:
            self.state.menus[menu_id] = menu
        return json_response({"richMenuId": menu_id})

    def on_list(self, request: Request) -> Response:
        return json_response({"richmenus": [{"richMenuId": k, **v} for k, v in self.state.menus.items()]})

    def on_content(self, request: Request, menu_id: str) -> Response:
        if menu_id not in self.state.menus:
            return line_error(404, "Not found")
        if request.mimetype not in ("image/png", "image/jpeg"):
            return line_error(415, "Unsupported media type")
        data = request.get_data()
        if len(data) > MAX_IMAGE:
            return line_error(413, "Request Entity Too Large")
        with self.state.lock:
            if menu_id in self.state.images:
                return line_error(400, "An image has already been uploaded to the richmenu")
            self.state.images[menu_id] = (request.mimetype, len(data))
        return json_response({})

    def on_link(self, request: Request, user_id: str, menu_id: str) -> Response:
        if not USER_ID.match(user_id):
            return line_error(400, "The value for the 'userId' parameter is invalid")
        if menu_id not in self.state.menus:
            return line_error(404, "Not found")
        if menu_id not in self.state.images:
            return line_error(400, "must upload richmenu image before applying it to user")
        with self.state.lock:
            self.state.links[user_id] = menu_id
        return json_response({})

    def _bulk(self, request: Request, *, linking: bool) -> tuple[Any, Response | None]:
        """The body of a bulk request, or LINE's refusal of it (rate limit first, as LINE's edge applies it)."""
        fault = self.bulk_faults.draw()
        if fault is Fault.ERROR:
            return None, line_error(500, "Internal server error")
        if fault is Fault.THROTTLE or self.bulk_faults.over_rate_limit():
            return None, line_error(429, "Too many requests")
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            return None, line_error(
                400, "The request body has 1 error(s)", [{"message": "Malformed JSON", "property": ""}]
            )
        problems = []
        users = body.get("userIds") if isinstance(body, dict) else None
        if not isinstance(users, list) or not 1 <= len(users) <= MAX_BULK_USERS:
            problems.append({"message": "Size must be between 1 and 500", "property": "userIds"})
        elif not all(isinstance(user, str) and USER_ID.match(user) for user in users):
            problems.append({"message": "invalid user id", "property": "userIds"})
        if linking and not (isinstance(body, dict) and isinstance(body.get("richMenuId"), str)):
            problems.append({"message": "must be specified", "property": "richMenuId"})
        if problems:
            return None, line_error(400, f"The request body has {len(problems)} error(s)", problems)
        if linking:
            menu_id = body["richMenuId"]
            if menu_id not in self.state.menus:
                return None, line_error(400, "richmenu not found")
            if menu_id not in self.state.images:
                return None, line_error(400, "must upload richmenu image before applying it to user")
        return body, None

    def on_bulk_link(self, request: Request) -> Response:
        body, refused = self._bulk(request, linking=True)
        if refused is not None:
            return refused
        with self.state.lock:
            self.state.links.update(dict.fromkeys(body["userIds"], body["richMenuId"]))
            self.state.bulk_requests += 1
        return json_response({}, 202)

    def on_bulk_unlink(self, request: Request) -> Response:
        body, refused = self._bulk(request, linking=False)
        if refused is not None:
            return refused
        with self.state.lock:
            for user in body["userIds"]:
                self.state.links.pop(user, None)
            self.state.bulk_requests += 1
        return json_response({}, 202)

    def on_set_default(self, request: Request, menu_id: str) -> Response:
        if menu_id not in self.state.menus:
            return line_error(404, "Not found")
        if menu_id not in self.state.images:
            return line_error(400, "must upload richmenu image before applying it to user")
        with self.state.lock:
            self.state.default = menu_id
        return json_response({})

    def on_default(self, request: Request) -> Response:
        menu_id = self.state.default
        return json_response({"richMenuId": menu_id}) if menu_id else line_error(404, "no default richmenu")

    def on_linked(self, request: Request, user_id: str) -> Response:
        menu_id = self.state.links.get(user_id)
        return json_response({"richMenuId": menu_id}) if menu_id else line_error(404, "the user has no richmenu")

    def on_faults(self, request: Request) -> Response:
        """The bulk endpoints' rate limit and faults: ``{"rate_limit_rps": 2, "rate_429": 0.5}``."""
        if request.method == "POST":
            try:
                self.bulk_faults.update(json.loads(request.get_data() or b"{}"))
            except (ValueError, TypeError, AttributeError) as exc:
                return line_error(400, str(exc))
        return json_response(self.bulk_faults.settings())

    def on_overview(self, request: Request) -> Response:
        return json_response(
            {
                "menus": [
                    {
                        "richMenuId": k,
                        "name": v.get("name"),
                        "chatBarText": v.get("chatBarText"),
                        "image": self.state.images.get(k, (None, 0))[0],
                    }
                    for k, v in self.state.menus.items()
                ],
                "links": dict(self.state.links),
                "default": self.state.default,
                "bulk_requests": self.state.bulk_requests,
            }
        )
