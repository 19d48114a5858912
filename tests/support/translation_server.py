"""A local stand-in for Google Translate's mobile page (which deep-translator scrapes) and LibreTranslate.

It answers ``GET /m?sl=..&tl=..&q=..`` with the HTML element deep-translator
reads and ``POST /translate`` with LibreTranslate's JSON; it records every request and can be
told to be slow or to fail.
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.support.serving import serve_in_background


@dataclass
class FakeTranslate:
    delay_s: float = 0.0
    status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/m"

    @staticmethod
    def translation(text: str, target: str) -> str:
        """What the stand-in "translates" a text to: visibly marked with the target language."""
        return f"<{target}> {text}"


def start(fake: FakeTranslate) -> FakeTranslate:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            fake.requests.append(query)
            if fake.delay_s:
                time.sleep(fake.delay_s)
            if fake.status != 200:
                self.send_response(fake.status)
                self.end_headers()
                return
            body = (
                '<html><body><div class="result-container">'
                f"{html.escape(FakeTranslate.translation(query.get('q', ''), query.get('tl', '')))}"
                "</div></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except BrokenPipeError:
                pass  # the client gave up waiting, as it should after its timeout

        def do_POST(self) -> None:  # noqa: N802 - LibreTranslate's POST /translate
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            fake.requests.append(query)
            body = json.dumps(
                {"translatedText": FakeTranslate.translation(query.get("q", ""), query.get("target", ""))}
            ).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.server.daemon_threads = True
    serve_in_background(fake.server)
    return fake


def stop(fake: FakeTranslate) -> None:
    if fake.server is not None:
        fake.server.shutdown()
        fake.server.server_close()
