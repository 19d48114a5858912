"""LINE and Facebook channels pointed at the test sandbox."""

from __future__ import annotations

import pytest

from channels.facebook import FacebookChannel
from channels.line import LineChannel
from tests.support.sandbox import (  # noqa: F401 - fixtures and names the channel tests share
    LINE_SECRET,
    LINE_TOKEN,
    PAGE_ID,
    PAGE_TOKEN,
    free_port,
    sandbox,
    sandbox_server,
    set_faults,
    users,
)


@pytest.fixture
def line(sandbox):  # noqa: F811 - the sandbox fixture imported above
    channel = LineChannel(access_token=LINE_TOKEN, api_base_url=sandbox.url, timeout_s=2.0)
    yield channel
    channel.close()


@pytest.fixture
def facebook(sandbox):  # noqa: F811
    return FacebookChannel(page_id=PAGE_ID, page_access_token=PAGE_TOKEN, graph_base_url=sandbox.url, timeout_s=2.0)
