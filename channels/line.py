"""LINE: a notice as a Flex bubble (with its text fallback, ``channels.line_render``), sent by multicast through
line-bot-sdk v3; push, reply, profiles, rich menus and the monthly quota for the bot and the office.

Every send carries the delivery id as ``X-Line-Retry-Key``, so a retry after a
timeout or a crash can never deliver twice: LINE (and the sandbox) answer 409
for a key already accepted, which counts as sent. LINE's answers become
civicast's errors here, at the boundary.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    Message,
    MessagingApi,
    MessagingApiBlob,
    QuotaType,
    RichMenuRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from channels.base import (
    Audience,
    Batch,
    ChannelContext,
    ChannelLimits,
    ChannelPreview,
    LimitExceeded,
    PermanentError,
    PersonalMessage,
    Quota,
    RetryableError,
    SendResult,
    Told,
)
from channels.line_errors import header, map_api_exception
from channels.line_render import (  # noqa: F401 - the rendering, re-exported as part of the LINE channel
    MAX_ALT_TEXT,
    MAX_BUBBLE_BYTES,
    MAX_TEXT,
    alt_text,
    check_messages,
    flex_bubble,
    personal_messages,
    preview_messages,
    render_messages,
)
from channels.line_settings import LineSettings
from messages.localised import LocalisedNotice
from messages.metrics import timed_request

LIVE_API = "https://api.line.me"
LIVE_DATA_API = "https://api-data.line.me"  # images and other content
INVALID_REPLY_TOKEN = "Invalid reply token"

_RENDER_LOCK = threading.Lock()


def _checked_messages(notice: LocalisedNotice) -> tuple[dict[str, Any], ...]:
    # The first batch of a notice renders it; the other sender threads wait for that rather than
    # all rendering and validating the same bubble at once.
    with _RENDER_LOCK:
        return _render_checked(notice)


@lru_cache(maxsize=512)
def _render_checked(notice: LocalisedNotice) -> tuple[dict[str, Any], ...]:
    # Rendered, checked against LINE's limits and validated by the SDK's own models once per notice
    # and language; every batch of a fan-out reuses them.
    messages = render_messages(notice)
    check_messages(messages)
    for message in messages:
        Message.from_dict(message)
    return tuple(messages)


# ----------------------------------------------------------------------------- the channel


class PlainJson(dict[str, Any]):
    """A request body built only of JSON types (checked and validated when rendered): nothing to convert."""


class _ApiClient(ApiClient):  # type: ignore[misc]  # line-bot-sdk has no py.typed: its ApiClient is Any
    # The SDK walks every body value by value to turn its models into JSON-ready data: for a
    # 500-recipient multicast that walk costs more than the HTTP request itself. Bodies civicast
    # builds as plain JSON skip it; everything else goes the SDK's way.
    def sanitize_for_serialization(self, obj: Any) -> Any:
        if type(obj) is PlainJson:
            return obj
        return super().sanitize_for_serialization(obj)


@dataclass(frozen=True)
class LineProfile:
    user_id: str
    display_name: str
    language: str | None


class LineChannel:
    """Multicast to residents; push, reply and profiles for the bot."""

    name = "line"
    label = "LINE"
    limits = ChannelLimits(
        max_recipients=500,
        max_messages=5,
        max_text_length=MAX_TEXT,
        requests_per_second=200,
        audience=Audience.RESIDENTS,
    )

    def __init__(
        self,
        *,
        access_token: str,
        api_base_url: str = LIVE_API,
        data_base_url: str | None = None,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 3.0,
        pool_size: int = 16,
        quota_cache_s: float = 30.0,
        on_sent: Callable[[str, int], None] | None = None,
    ) -> None:
        configuration = Configuration(host=api_base_url.rstrip("/"), access_token=access_token)
        configuration.retries = False  # the outbox retries, with the same retry key, on its own schedule
        configuration.connection_pool_maxsize = pool_size
        self._client = _ApiClient(configuration)
        self._api = MessagingApi(self._client)
        data_host = data_base_url or (LIVE_DATA_API if api_base_url.rstrip("/") == LIVE_API else api_base_url)
        blob_configuration = Configuration(host=data_host.rstrip("/"), access_token=access_token)
        blob_configuration.retries = False
        self._blob_client = ApiClient(blob_configuration)
        self._blob = MessagingApiBlob(self._blob_client)
        self._timeout = (connect_timeout_s, timeout_s)
        # The preview grid asks for the quota on every view of a notice: LINE is asked at most once per
        # ``quota_cache_s`` (and again after this channel sent something, which changed the answer).
        self._quota_cache_s = quota_cache_s
        self._quota_cached: tuple[float, Quota] | None = None
        self._quota_lock = threading.Lock()
        self._sends = 0  # a quota asked for while a send went out may be older than the send: not kept
        # Told ("push" or "reply", recipients) after each push and reply LINE accepted: LINE counts a push against
        # the monthly quota and a reply not at all, and nothing else sees them (the outbox records multicasts).
        self._on_sent = on_sent

    @classmethod
    def from_settings(cls, settings: LineSettings, context: ChannelContext) -> LineChannel:
        channel = cls(
            access_token=settings.channel_access_token,
            api_base_url=context.sandbox_url or settings.api_base_url,
            timeout_s=settings.timeout_s,
            quota_cache_s=settings.quota_cache_s,
            on_sent=context.count_sent,
        )
        channel.limits = replace(cls.limits, requests_per_second=settings.requests_per_second)
        return channel

    def preview(self, notice: LocalisedNotice) -> ChannelPreview:
        return preview_messages(notice, name=self.name, label=self.label)

    def tell(self, resident: str, messages: Sequence[PersonalMessage], *, last_heard: datetime | None) -> Told:
        """A push to the resident (LINE allows one at any time, counted against the monthly quota)."""
        self.push(resident, personal_messages(messages), retry_key=str(uuid.uuid4()))
        return Told.TOLD

    def _spent(self) -> None:
        self._sends += 1
        self._quota_cached = None

    def close(self) -> None:
        self._client.close()
        self._blob_client.close()

    def _timed(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        """One request to LINE, timed and counted by its status code (civicast's own metrics)."""
        endpoint = args[0] if method == self._post else getattr(method, "__name__", "other")
        with timed_request("line", endpoint) as status:
            try:
                response = method(*args, _request_timeout=self._timeout, **kwargs)
            except ApiException as exc:
                status.append(str(exc.status or 0))
                raise
            status.append(str(getattr(response, "status_code", None) or 200))
            return response

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._timed(method, *args, **kwargs)
        except ApiException as exc:
            outcome = map_api_exception(exc)
            if isinstance(outcome, SendResult):
                return outcome
            raise outcome from exc
        except urllib3.exceptions.HTTPError as exc:
            raise RetryableError(f"LINE unreachable: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _result(response: Any) -> SendResult:
        if isinstance(response, SendResult):
            return response
        return SendResult(platform_request_id=header(response.headers, "x-line-request-id"))

    def check(self, batch: Batch) -> tuple[dict[str, Any], ...]:
        """The batch's messages, or the error LINE would answer (recipients, message limits); sends nothing."""
        if not 1 <= len(batch.recipients) <= self.limits.max_recipients:
            raise LimitExceeded(f"a LINE multicast goes to 1 to 500 users, not {len(batch.recipients)}")
        return _checked_messages(batch.notice)

    def send(self, batch: Batch) -> SendResult:
        """Multicast one language's notice to at most 500 residents, idempotently."""
        body = PlainJson(to=list(batch.recipients), messages=list(self.check(batch)))
        try:
            response = self._call(self._post, "/v2/bot/message/multicast", body, batch.delivery_id)
        finally:
            self._spent()
        return self._result(response)

    def _post(self, path: str, body: PlainJson, retry_key: str | None, *, _request_timeout: Any) -> Any:
        # The SDK's own ApiClient (host, bearer token, REST client, exceptions) with a body that is
        # already plain JSON: MulticastRequest would re-validate 500 ids and re-serialise the bubble
        # for every batch, and for a bot's reply the SDK's models cost more than the request itself.
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        return self._client.call_api(
            path,
            "POST",
            {},
            [],
            headers,
            body=body,
            response_types_map={"200": "object"},
            auth_settings=["Bearer"],
            _return_http_data_only=False,
            _request_timeout=_request_timeout,
        )

    def push(self, user_id: str, messages: Sequence[dict[str, Any]], *, retry_key: str) -> SendResult:
        """Messages (LINE JSON objects, checked against LINE's limits here) to one resident."""
        check_messages(messages)
        body = PlainJson(to=user_id, messages=list(messages))
        try:
            result = self._result(self._call(self._post, "/v2/bot/message/push", body, retry_key))
        finally:
            self._spent()
        if self._on_sent is not None and not result.duplicate:  # a repeat LINE had accepted before costs nothing
            self._on_sent("push", 1)
        return result

    def push_notice(self, user_id: str, notice: LocalisedNotice, *, retry_key: str) -> SendResult:
        return self.push(user_id, render_messages(notice), retry_key=retry_key)

    def reply(self, reply_token: str, messages: Sequence[dict[str, Any]]) -> SendResult:
        """Answer a webhook event. An expired or spent token raises InvalidReplyToken: push instead."""
        check_messages(messages)
        body = PlainJson(replyToken=reply_token, messages=list(messages))
        try:
            result = self._result(self._call(self._post, "/v2/bot/message/reply", body, None))
        except PermanentError as exc:
            if INVALID_REPLY_TOKEN.lower() in str(exc).lower():
                raise InvalidReplyToken(str(exc), status=exc.status) from exc
            raise
        if self._on_sent is not None:
            self._on_sent("reply", 1)
        return result

    # ------------------------------------------------------------------ rich menus

    def create_rich_menu(self, menu: dict[str, Any]) -> str:
        """Create a rich menu (LINE's JSON) and return its id."""
        request = RichMenuRequest.from_dict(menu)
        return str(self._call(self._api.create_rich_menu, request).rich_menu_id)

    def upload_rich_menu_image(self, rich_menu_id: str, png: bytes) -> None:
        # Images go to LINE's data host (api-data.line.me), through the SDK's blob API.
        self._call(self._blob.set_rich_menu_image, rich_menu_id, png, _headers={"Content-Type": "image/png"})

    def rich_menu_ids(self) -> set[str]:
        """``GET /v2/bot/richmenu/list``: the ids of the rich menus the channel has."""
        return {menu.rich_menu_id for menu in self._call(self._api.get_rich_menu_list).richmenus}

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        self._call(self._api.link_rich_menu_id_to_user, user_id, rich_menu_id)

    def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: Sequence[str]) -> None:
        """``POST /v2/bot/richmenu/bulk/link``: one menu for up to 500 users; LINE answers 202 and links them
        shortly after. Sent as plain JSON, as a multicast's recipients are: the SDK's model would check 500 ids."""
        if not 1 <= len(user_ids) <= self.limits.max_recipients:
            raise LimitExceeded(f"a LINE bulk link goes to 1 to 500 users, not {len(user_ids)}")
        body = PlainJson(richMenuId=rich_menu_id, userIds=list(user_ids))
        self._call(self._post, "/v2/bot/richmenu/bulk/link", body, None)

    def unlink_rich_menus_from_users(self, user_ids: Sequence[str]) -> None:
        """``POST /v2/bot/richmenu/bulk/unlink``: up to 500 users fall back to the default menu."""
        if not 1 <= len(user_ids) <= self.limits.max_recipients:
            raise LimitExceeded(f"a LINE bulk unlink goes to 1 to 500 users, not {len(user_ids)}")
        self._call(self._post, "/v2/bot/richmenu/bulk/unlink", PlainJson(userIds=list(user_ids)), None)

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        """The menu of every follower without one of their own (a menu linked to a user overrides it)."""
        self._call(self._api.set_default_rich_menu, rich_menu_id)

    # ------------------------------------------------------------------ the monthly quota

    def quota(self, *, max_age_s: float | None = None) -> Quota:
        """This month's allowance and use, as LINE reports them (``GET /v2/bot/message/quota`` and
        ``/quota/consumption``); LINE's failures arrive as civicast's errors (and are not kept).

        An answer at most ``max_age_s`` old (the channel's ``quota_cache_s`` by default) is given again without
        asking LINE; ``max_age_s=0`` always asks, as a decision that must see the current figure does."""
        max_age = self._quota_cache_s if max_age_s is None else max_age_s
        cached = self._quota_cached
        if cached is not None and time.monotonic() - cached[0] < max_age:
            return cached[1]
        with self._quota_lock:  # one question to LINE at a time; a caller that waited takes its answer
            cached = self._quota_cached
            if cached is not None and time.monotonic() - cached[0] < max_age:
                return cached[1]
            asked_at, sends = time.monotonic(), self._sends
            quota = self._ask_quota()
            if sends == self._sends:
                self._quota_cached = (asked_at, quota)
            return quota

    def _ask_quota(self) -> Quota:
        try:  # the SDK's models refuse an answer that is not LINE's shape with a ValueError of their own
            allowance = self._call(self._api.get_message_quota)
            consumption = self._call(self._api.get_message_quota_consumption)
            limited = allowance.type == QuotaType.LIMITED and allowance.value is not None
            return Quota(used=int(consumption.total_usage), limit=int(allowance.value) if limited else None)
        except (AttributeError, TypeError, ValueError) as exc:
            raise PermanentError(f"LINE answered the quota request with something unexpected: {exc}") from exc

    def get_profile(self, user_id: str) -> LineProfile | None:
        """The resident's LINE profile (its ``language`` is the app's language), or None if unknown."""
        try:
            profile = self._call(self._api.get_profile, user_id)
        except PermanentError as exc:
            if exc.status == 404:
                return None
            raise
        return LineProfile(user_id=profile.user_id, display_name=profile.display_name, language=profile.language)


class InvalidReplyToken(PermanentError):
    """LINE no longer honours this reply token (spent, expired or unknown)."""
