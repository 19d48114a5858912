"""The sandbox for tests: one server per module on 127.0.0.1, reset before each test."""

from __future__ import annotations

import random
import socket
import uuid

import pytest
import requests

from channels.sandbox import Sandbox

LINE_TOKEN = "test-line-token"
LINE_SECRET = "test-line-secret"
PAGE_ID = "1234567890"
PAGE_TOKEN = "test-page-token"
QUIET = {"error_rate": 0, "rate_429": 0, "drop_rate": 0, "latency_ms": 0, "rate_limit_rps": None}


@pytest.fixture(scope="module")
def sandbox_server():
    sandbox = Sandbox.create(
        line_access_token=LINE_TOKEN,
        line_channel_secret=LINE_SECRET,
        facebook_page_id=PAGE_ID,
        facebook_page_token=PAGE_TOKEN,
    )
    sandbox.serve_in_thread()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.line.reset()
    sandbox_server.graph.reset()
    sandbox_server.line.faults.update({**QUIET, "monthly_quota": None})
    sandbox_server.graph.faults.update(QUIET)
    return sandbox_server


def set_faults(sandbox, api: str, **faults):
    response = requests.post(f"{sandbox.url}/sandbox/{api}/faults", json=faults, timeout=5)
    assert response.status_code == 200, response.text


def summary(sandbox) -> dict:
    return requests.get(f"{sandbox.url}/sandbox/line/summary", timeout=5).json()


def users(n: int) -> tuple[str, ...]:
    return tuple("U" + uuid.uuid4().hex for _ in range(n))


# Below Linux's ephemeral range (32768-60999): a port the kernel hands out for bind(0) or as the source port of an
# outgoing connection can be taken again between this probe and the server's own bind, which parallel test
# processes making thousands of connections do. A random port here only collides with another free_port().
_PORTS = range(20000, 32000)
_pick = random.SystemRandom()


def free_port() -> int:
    """A port nothing listens on now, for a server that another process (or a later step) binds."""
    for _ in range(200):
        port = _pick.choice(_PORTS)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000 on 127.0.0.1")
