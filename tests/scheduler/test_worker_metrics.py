"""What the worker counts: each recorded outcome once, with its residents, and LINE's answers by status."""

from __future__ import annotations

from prometheus_client import REGISTRY

from tests.scheduler.test_worker import make_worker, queue


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_refused_token_kills_the_deliveries_and_the_counters_say_so(
    sandbox, session_factory, composer, glossary, dispatch
):
    dead_before = value("civicast_delivery_recipients_total", channel="line", language="en", outcome="dead")
    refused_before = value(
        "civicast_platform_requests_total", platform="line", endpoint="/v2/bot/message/multicast", status="401"
    )
    queue(session_factory, composer, glossary, dispatch, 120)  # ten English residents among twelve languages
    worker = make_worker(sandbox, session_factory, composer, token="not-the-channel-token")
    worker.run_until_done(timeout=30)
    assert worker.counters["dead"] >= 12 and worker.counters["sent"] == 1  # LINE refuses; the page post goes
    assert (
        value("civicast_delivery_recipients_total", channel="line", language="en", outcome="dead") - dead_before == 10
    )
    assert (
        value("civicast_platform_requests_total", platform="line", endpoint="/v2/bot/message/multicast", status="401")
        - refused_before
        == 12
    )
