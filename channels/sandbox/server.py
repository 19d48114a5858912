"""The sandbox's HTTP server and the app that routes LINE, Graph and Web Push paths to their stand-ins.

A small threaded HTTP/1.1 server for WSGI apps (keep-alive, one write per
response, Nagle's algorithm off) that can drop a connection on purpose: a
sandbox app raises ``DropConnection`` after it has processed a request, and the
client sees the connection reset with no answer, exactly the case a retry key
exists for.
"""

from __future__ import annotations

import io
import socket
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import unquote

from channels.sandbox.faults import DropConnection, Faults
from channels.sandbox.graph_api import GraphSandbox, GraphSandboxState
from channels.sandbox.line_api import LineSandbox
from channels.sandbox.line_richmenu import RichMenuSandbox
from channels.sandbox.line_state import LineSandboxState, json_response
from channels.sandbox.push_service import PushServiceSandbox


class _Headers:
    """Request headers, looked up without regard to case."""

    def __init__(self) -> None:
        self._items: list[tuple[str, str]] = []
        self._lookup: dict[str, str] = {}

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))
        self._lookup[name.lower()] = value

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._lookup.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        return self._items

    def __len__(self) -> int:
        return len(self._items)


class _KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, each response written in one piece.

    One write per response and TCP_NODELAY keep small answers from waiting on a
    delayed ACK; keep-alive saves a connection per request, as LINE's own
    front end does. A sandbox app raising ``DropConnection`` gets the socket
    shut with no answer at all.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60  # an idle keep-alive connection is closed after a minute
    server_version = "civicast-sandbox"
    max_body = 8 * 1024 * 1024  # beyond this the connection closes after the answer
    server: _ThreadingServer  # the server it was made for (typeshed says any BaseServer)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        pass

    def parse_request(self) -> bool:
        """The request line and headers, without the e-mail parser http.server uses (a third of a request's
        cost here). Anything unusual falls back to the standard library's parsing."""
        words = self.raw_requestline.decode("latin-1").rstrip("\r\n").split()
        if len(words) != 3 or not words[2].startswith("HTTP/1."):
            return super().parse_request()
        self.command, self.path, self.request_version = words
        self.requestline = " ".join(words)
        headers = _Headers()
        while True:
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            if len(line) > 65536 or len(headers) > 100:
                self.send_error(431)
                return False
            name, _, value = line.decode("latin-1").partition(":")
            headers.add(name.strip(), value.strip())
        self.headers = headers  # type: ignore[assignment]  # a stand-in for email's Message (get, items)
        connection = (headers.get("Connection") or "").lower()
        self.close_connection = connection == "close" or self.request_version == "HTTP/1.0"
        return True

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        self._respond()

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for key, value in self.headers.items():
            name = "HTTP_" + key.upper().replace("-", "_")
            if name not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[name] = value
        return environ

    def _respond(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        too_big = length > self.max_body
        body = self.rfile.read(min(length, self.max_body + 1)) if length else b""
        if too_big:
            self.close_connection = True  # the rest of the body is not read: the connection cannot be reused
        captured: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return lambda data: None

        try:
            result = self.server.get_app()(self._environ(body), start_response)
            try:
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        except DropConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status, headers = captured
        lines = [
            f"HTTP/1.1 {status}",
            *(f"{k}: {v}" for k, v in headers if k.lower() != "content-length"),
            f"Content-Length: {len(payload)}",
        ]
        if self.close_connection or self.headers.get("Connection", "").lower() == "close":
            self.close_connection = True
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)


class _ThreadingServer(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def set_app(self, app: Any) -> None:
        self._app = app

    def get_app(self) -> Any:
        return self._app


@dataclass
class Sandbox:
    """The stand-ins behind one address: LINE's paths, Graph's paths, a push service's and /sandbox/... controls."""

    line: LineSandbox
    graph: GraphSandbox
    rich_menus: RichMenuSandbox | None = None
    push: PushServiceSandbox = field(default_factory=PushServiceSandbox)
    _server: _ThreadingServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        *,
        line_access_token: str,
        line_channel_secret: str,
        facebook_page_id: str,
        facebook_page_token: str,
        webhook_url: str | None = None,
        line_faults: Faults | None = None,
        graph_faults: Faults | None = None,
    ) -> Sandbox:
        line = LineSandbox(
            LineSandboxState(
                access_tokens={line_access_token}, channel_secret=line_channel_secret, webhook_url=webhook_url
            ),
            line_faults,
        )
        graph = GraphSandbox(
            GraphSandboxState(page_id=facebook_page_id, page_tokens={facebook_page_token}), graph_faults
        )
        return cls(line=line, graph=graph, rich_menus=RichMenuSandbox(line.state))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if self.rich_menus is not None and "/richmenu" in path:
            return self.rich_menus(environ, start_response)
        if path.startswith(("/v2/bot/", "/sandbox/line/")):
            return self.line(environ, start_response)
        if path.startswith(("/push/", "/sandbox/push/")):
            return self.push(environ, start_response)
        if path == "/sandbox/reset":
            self.line.reset()
            self.graph.reset()
            self.push.reset()
            return json_response({"reset": True})(environ, start_response)
        if path == "/sandbox" or path == "/sandbox/":
            return json_response(
                {
                    "line": {
                        "inbox": "/sandbox/line/inbox/<userId>",
                        "users": "/sandbox/line/users",
                        "simulate": "/sandbox/line/simulate",
                        "faults": "/sandbox/line/faults",
                        "summary": "/sandbox/line/summary",
                        "richmenus": "/sandbox/line/richmenus",
                        "richmenu_faults": "/sandbox/line/richmenus/faults",
                    },
                    "facebook": {"posts": "/sandbox/facebook/posts", "faults": "/sandbox/facebook/faults"},
                    "webpush": {
                        "subscribe": "/sandbox/push/subscriptions",
                        "received": "/sandbox/push/subscriptions/<id>",
                        "expire": "/sandbox/push/subscriptions/<id>/expire",
                        "foreign": "/sandbox/push/foreign",
                        "faults": "/sandbox/push/faults",
                    },
                }
            )(environ, start_response)
        return self.graph(environ, start_response)

    # ------------------------------------------------------------------ serving

    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving on a background thread; returns the base URL."""
        server = _ThreadingServer((host, port), _KeepAliveHandler)
        server.set_app(self)
        self._server = server
        # stop() waits for the serving loop's next poll: every 0.05 s rather than the default 0.5 s, so a test or a
        # development server that stops the sandbox is not held up.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="civicast-sandbox", daemon=True
        )
        self._thread.start()
        return self.url

    def serve_forever(self, host: str = "127.0.0.1", port: int = 8100) -> None:
        server = _ThreadingServer((host, port), _KeepAliveHandler)
        server.set_app(self)
        self._server = server
        try:
            server.serve_forever()
        finally:
            server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "the sandbox is not serving"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
