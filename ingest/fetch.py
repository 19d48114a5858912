"""One bounded GET: a timeout on every wait and on the whole body, a size cap while streaming, and redirects
followed only to hosts the caller allows (a feed that links elsewhere is not a way into other servers)."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

import requests

MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024


class FetchProblem(StrEnum):
    REFUSED = "refused"  # not fetched: not http(s), or a host that is not allowed
    UNREACHABLE = "unreachable"  # no connection, no answer in time, or the connection dropped
    FAILED = "failed"  # an answer that is not usable: HTTP 4xx/5xx, too large, too many redirects


class FetchError(Exception):
    def __init__(self, message: str, problem: FetchProblem) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class Fetched:
    status: int  # 200-class, or 304 for a conditional GET that found nothing new
    body: bytes
    etag: str | None
    last_modified: str | None


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def check_allowed(url: str, allowed_hosts: Collection[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"not an http(s) link: {url[:200]!r}", FetchProblem.REFUSED)
    if host_of(url) not in allowed_hosts:
        raise FetchError(
            f"the link's host {parts.hostname!r} is not the feed's nor an allowed one", FetchProblem.REFUSED
        )


def fetch(
    http: requests.Session,
    url: str,
    *,
    allowed_hosts: Collection[str],
    timeout_s: float,
    max_bytes: int,
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """GET ``url`` (following redirects within ``allowed_hosts``), or FetchError saying what went wrong."""
    for _hop in range(MAX_REDIRECTS + 1):
        check_allowed(url, allowed_hosts)
        try:
            response = http.get(url, headers=dict(headers or {}), timeout=timeout_s, stream=True, allow_redirects=False)
        except requests.Timeout:
            raise FetchError(
                f"no answer from {host_of(url)} within {timeout_s:g} s", FetchProblem.UNREACHABLE
            ) from None
        except requests.RequestException as exc:
            raise FetchError(f"could not reach {host_of(url)}: {short_reason(exc)}", FetchProblem.UNREACHABLE) from None
        with response:
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                continue
            if response.status_code == 304 and headers:
                return Fetched(304, b"", response.headers.get("ETag"), response.headers.get("Last-Modified"))
            if not 200 <= response.status_code < 300:  # 304 to an unconditional GET included: it has no body
                raise FetchError(f"HTTP {response.status_code} from {host_of(url)}", FetchProblem.FAILED)
            body = _read_capped(response, timeout_s=timeout_s, max_bytes=max_bytes)
            return Fetched(
                response.status_code, body, response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
    raise FetchError(f"more than {MAX_REDIRECTS} redirects", FetchProblem.FAILED)


def _read_capped(response: requests.Response, *, timeout_s: float, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"the answer is {int(declared)} bytes; the limit is {max_bytes}", FetchProblem.FAILED)
    # requests' timeout bounds each wait; this bounds the whole body, against a server that drips bytes.
    deadline = time.monotonic() + timeout_s
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"the answer is larger than the limit of {max_bytes} bytes", FetchProblem.FAILED)
            if time.monotonic() > deadline:
                raise FetchError(f"the answer took longer than {timeout_s:g} s to arrive", FetchProblem.UNREACHABLE)
    except requests.RequestException as exc:
        raise FetchError(f"the connection broke while reading: {short_reason(exc)}", FetchProblem.UNREACHABLE) from None
    return bytes(body)


def short_reason(exc: BaseException) -> str:
    """The innermost cause of a requests error, short: requests wraps urllib3, which wraps the socket's error,
    and the outer messages repeat the URL and the pool."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        reason = getattr(exc, "reason", None)
        inner = (
            (reason if isinstance(reason, BaseException) else None)
            or exc.__cause__
            or (exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None)
        )
        if inner is None:
            break
        exc = inner
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
