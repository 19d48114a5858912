"""Facebook: one page post per notice, and Messenger replies to residents who wrote in.

Broadcasting is page posts only: Messenger allows messages outside the 24-hour
window only with tags that do not cover civic alerts. facebook-sdk 3.1.0 accepts
only retired Graph versions, so the version is set after construction, and the
Graph host is reached through a session that can point elsewhere (the sandbox).
Graph errors become civicast's errors here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import facebook
import requests
from pydantic import Field, field_validator

from channels.base import (
    Audience,
    Batch,
    ChannelContext,
    ChannelLimits,
    ChannelPreview,
    PermanentError,
    PersonalMessage,
    RetryableError,
    SendResult,
    Told,
)
from channels.section import ChannelSection
from messages.i18n import get_language
from messages.localised import LocalisedNotice
from messages.metrics import timed_request

LIVE_GRAPH = facebook.FACEBOOK_GRAPH_URL  # "https://graph.facebook.com/"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})
TRANSIENT_CODES = frozenset({1, 2})  # unknown / temporary service errors: Graph asks for a retry
OUTSIDE_WINDOW_SUBCODE = 2018278
MAX_POST_LENGTH = 63206
MESSENGER_WINDOW = timedelta(hours=24)  # Messenger allows an answer this long after the person last wrote
SANDBOX_PAGE_TOKEN = "sandbox-facebook-page-access-token"
SANDBOX_APP_SECRET = "sandbox-facebook-app-secret"


class FacebookSettings(ChannelSection):
    """``channels.facebook``: the page notices are posted on, and the app whose Messenger webhook the bot answers."""

    enabled: bool = True
    page_id: str = "sandbox-page"
    page_access_token: str = SANDBOX_PAGE_TOKEN
    app_secret: str = SANDBOX_APP_SECRET
    verify_token: str = "sandbox-facebook-verify-token"
    graph_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")
    graph_base_url: str = "https://graph.facebook.com/"
    post_languages: tuple[str, ...] = ("zh-Hant", "en")
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("post_languages")
    @classmethod
    def _known_post_languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(get_language(code).code for code in value)


class OutsideMessagingWindow(PermanentError):
    """Messenger refuses: the person last wrote more than 24 hours ago."""


class GraphSession(requests.Session):
    """A requests session that sends Graph calls to another base URL (the sandbox, a proxy)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if isinstance(url, str) and url.startswith(LIVE_GRAPH) and self.base_url != LIVE_GRAPH:
            url = self.base_url + url[len(LIVE_GRAPH) :]
        # Counted by the path's last part ("feed", "messages"): ids and versions would be endless labels.
        endpoint = str(url).split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] if "/" in str(url) else "other"
        endpoint = endpoint if endpoint.isalpha() else "object"
        with timed_request("graph", endpoint) as status:
            response = super().request(method, url, *args, **kwargs)
            status.append(str(response.status_code))
            return response


def map_graph_error(exc: facebook.GraphAPIError) -> Exception:
    result = exc.result if isinstance(exc.result, dict) else {}
    raw_error = result.get("error")
    error = raw_error if isinstance(raw_error, dict) else {}
    code = exc.code if exc.code is not None else error.get("code")
    subcode = error.get("error_subcode")
    message = f"Graph error {code}: {exc.message}" if code is not None else f"Graph answered: {exc.message}"
    if code is None or code in RATE_LIMIT_CODES or code in TRANSIENT_CODES or error.get("is_transient"):
        return RetryableError(message)
    if subcode == OUTSIDE_WINDOW_SUBCODE:
        return OutsideMessagingWindow(message)
    return PermanentError(message)  # 190 token, 10 and 200–299 permissions, 100 parameters, 368 policy, ...


def post_section(notice: LocalisedNotice) -> str:
    """One language's part of a post. A poll lists its numbered answers and says where to vote: a post cannot
    take a vote, the city's LINE account can."""
    parts = [notice.title_line, notice.body, notice.instruction]
    if notice.poll:
        parts += [notice.poll.numbered(), notice.poll.vote_on_line]
    return "\n".join(part for part in parts if part)


def post_text(notices: Iterable[LocalisedNotice]) -> str:
    """The post: each configured language in turn, then the link to the notice in every language."""
    notices = list(notices)
    sections = [post_section(n) for n in notices]
    if notices and notices[0].other_languages_text:
        sections.append(notices[0].other_languages_text)
    text = "\n\n".join(sections)
    return text if len(text) <= MAX_POST_LENGTH else text[: MAX_POST_LENGTH - 1] + "…"


class FacebookChannel:
    """Page posts for notices; the Send API for replying to a resident inside the 24-hour window."""

    name = "facebook"
    label = "Facebook"
    personal_name = "messenger"  # residents write to the page on Messenger: their conversations record that
    personal_label = "Messenger"
    limits = ChannelLimits(
        max_recipients=0,
        max_messages=1,
        max_text_length=MAX_POST_LENGTH,
        requests_per_second=1.0,
        audience=Audience.PUBLIC,
    )

    def __init__(
        self,
        *,
        page_id: str,
        page_access_token: str,
        graph_version: str = "v21.0",
        graph_base_url: str = LIVE_GRAPH,
        post_languages: Iterable[str] = ("zh-Hant", "en"),
        timeout_s: float = 10.0,
    ) -> None:
        self.page_id = page_id
        self.post_languages = tuple(post_languages)
        self._graph = facebook.GraphAPI(
            access_token=page_access_token, timeout=timeout_s, session=GraphSession(graph_base_url)
        )
        self._graph.version = graph_version if graph_version.startswith("v") else f"v{graph_version}"

    @classmethod
    def from_settings(cls, settings: FacebookSettings, context: ChannelContext) -> FacebookChannel:
        return cls(
            page_id=settings.page_id,
            page_access_token=settings.page_access_token,
            graph_version=settings.graph_version,
            graph_base_url=context.sandbox_url + "/" if context.sandbox_url else settings.graph_base_url,
            post_languages=settings.post_languages,
            timeout_s=settings.timeout_s,
        )

    def preview(self, notice: LocalisedNotice) -> ChannelPreview:
        """The language's section of the page post; not included where the page does not post in it."""
        section = post_section(notice)
        return ChannelPreview(
            self.name, self.label, section, included=notice.language in self.post_languages, look="post"
        )

    def preview_send(self, notices: Mapping[str, LocalisedNotice]) -> ChannelPreview | None:
        """The whole page post the notice makes (None when it is in none of the page's languages)."""
        posted = [notices[code] for code in self.post_languages if code in notices]
        if not posted:
            return None
        return ChannelPreview(self.name, self.label, post_text(posted), look="post")

    def tell(self, resident: str, messages: Sequence[PersonalMessage], *, last_heard: datetime | None) -> Told:
        """Messenger replies, only inside the 24 hours after the resident last wrote (no tag covers a case)."""
        if last_heard is None or datetime.now(UTC) - last_heard > MESSENGER_WINDOW:
            return Told.WINDOW
        for message in messages:
            quick = [{"content_type": "text", "title": label, "payload": data} for label, data in message.buttons]
            self.reply(resident, message.text, quick_replies=quick or None)
        return Told.TOLD

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except facebook.GraphAPIError as exc:
            raise map_graph_error(exc) from exc
        except requests.RequestException as exc:
            raise RetryableError(f"Graph unreachable: {type(exc).__name__}: {exc}") from exc
        except (ValueError, KeyError) as exc:  # a reply that is not Graph's JSON (a proxy's error page)
            raise RetryableError(f"Graph answered something unreadable: {exc}") from exc

    def _already_posted(self, message: str) -> str | None:
        """The id of a recent page post with exactly this text: a retry must not post twice."""
        feed = self._call(self._graph.get_connections, self.page_id, "feed", fields="id,message", limit=25)
        for post in feed.get("data", []):
            if post.get("message") == message:
                post_id: str | None = post.get("id")  # the Graph API's JSON
                return post_id
        return None

    def send(self, batch: Batch) -> SendResult:
        notices = [batch.notices[code] for code in self.post_languages if code in batch.notices]
        if not notices:
            raise PermanentError(f"none of the page's languages ({', '.join(self.post_languages)}) is in the batch")
        message = post_text(notices)
        existing = self._already_posted(message)
        if existing:
            return SendResult(platform_request_id=existing, duplicate=True)
        args: dict[str, Any] = {"message": message}
        if notices[0].page_link:
            args["link"] = notices[0].page_link
        result = self._call(self._graph.put_object, self.page_id, "feed", **args)
        return SendResult(platform_request_id=result.get("id"))

    def reply(self, psid: str, text: str, *, quick_replies: list[dict[str, str]] | None = None) -> SendResult:
        """A Messenger reply to a person who wrote in (messaging_type RESPONSE)."""
        message: dict[str, Any] = {"text": text[:2000]}
        if quick_replies:
            message["quick_replies"] = quick_replies[:13]
        result = self._call(
            self._graph.put_object,
            "me",
            "messages",
            recipient=json.dumps({"id": psid}),
            message=json.dumps(message, ensure_ascii=False),
            messaging_type="RESPONSE",
        )
        return SendResult(platform_request_id=result.get("message_id"))
