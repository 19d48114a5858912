"""A test's HTTP server on a thread of its own."""

from __future__ import annotations

import threading
from socketserver import BaseServer

POLL_S = 0.05  # shutdown() waits for the serving loop's next poll: 0.05 s at each test's end, not the default 0.5 s


def serve_in_background(server: BaseServer) -> threading.Thread:
    """Serve until ``server.shutdown()``, on a daemon thread (which is returned, started)."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_S}, daemon=True)
    thread.start()
    return thread
