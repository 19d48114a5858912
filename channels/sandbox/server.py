"""The sandbox's HTTP server and the app that routes LINE and Graph paths to their stand-ins.

A small threaded WSGI server (the standard library's, with Nagle's algorithm
off so small responses are not held back by delayed ACKs) that can drop a
connection on purpose: a sandbox app raises ``DropConnection`` after it has
processed a request, and the client sees the connection reset with no answer,
exactly the case a retry key exists for.
"""

from __future__ import annotations

import socket
import sys
import threading
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from channels.sandbox.faults import DropConnection, Faults
from channels.sandbox.graph_api import GraphSandbox, GraphSandboxState
from channels.sandbox.line_api import LineSandbox, LineSandboxState, json_response


class _Handler(ServerHandler):
    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            try:
                self.request_handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        super().handle_error()

    def log_exception(self, exc_info: Any) -> None:
        if not isinstance(exc_info[1], DropConnection):
            super().log_exception(exc_info)


class _RequestHandler(WSGIRequestHandler):
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        pass

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


@dataclass
class Sandbox:
    """Both stand-ins behind one address: LINE's paths, Graph's paths and /sandbox/... controls."""

    line: LineSandbox
    graph: GraphSandbox
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
            LineSandboxState(access_tokens={line_access_token}, channel_secret=line_channel_secret,
                             webhook_url=webhook_url),
            line_faults,
        )
        graph = GraphSandbox(GraphSandboxState(page_id=facebook_page_id, page_tokens={facebook_page_token}),
                             graph_faults)
        return cls(line=line, graph=graph)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(("/v2/bot/", "/sandbox/line/")):
            return self.line(environ, start_response)
        if path == "/sandbox/reset":
            self.line.reset()
            self.graph.reset()
            return json_response({"reset": True})(environ, start_response)
        if path == "/sandbox" or path == "/sandbox/":
            return json_response({
                "line": {"inbox": "/sandbox/line/inbox/<userId>", "users": "/sandbox/line/users",
                         "simulate": "/sandbox/line/simulate", "faults": "/sandbox/line/faults",
                         "summary": "/sandbox/line/summary"},
                "facebook": {"posts": "/sandbox/facebook/posts", "faults": "/sandbox/facebook/faults"},
            })(environ, start_response)
        return self.graph(environ, start_response)

    # ------------------------------------------------------------------ serving

    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving on a background thread; returns the base URL."""
        server = _ThreadingServer((host, port), _RequestHandler)
        server.set_app(self)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="civicast-sandbox", daemon=True)
        self._thread.start()
        return self.url

    def serve_forever(self, host: str = "127.0.0.1", port: int = 8100) -> None:
        server = _ThreadingServer((host, port), _RequestHandler)
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
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
