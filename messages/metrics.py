"""The counters and histograms every civicast process keeps (Prometheus, via prometheus-client).

Defined once here, at the lowest layer that counts something (machine translation), so channels,
scheduler, ingest and bot all count into the same metrics. What the database knows (outbox depth,
oldest pending delivery, webhook queue, scheduler leader) is not counted here: the web process reads
it at scrape time (``bot/metrics.py``), so every process agrees. With ``PROMETHEUS_MULTIPROC_DIR`` set
before the first import of prometheus-client, these values live in files there and the web process
adds up all its workers' (gunicorn).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

# Latencies of calls across the network: 5 ms to 30 s.
NETWORK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

DELIVERIES = Counter(
    "civicast_deliveries",
    "Deliveries recorded by the workers, by outcome (sent, duplicate, retry, dead, released)",
    ["channel", "language", "outcome"],
)
DELIVERY_RECIPIENTS = Counter(
    "civicast_delivery_recipients",
    "Residents in the deliveries recorded, by outcome",
    ["channel", "language", "outcome"],
)
CLAIM_LAG = Histogram(
    "civicast_worker_claim_lag_seconds",
    "From a delivery falling due to a worker claiming it",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
)
PLATFORM_REQUESTS = Counter(
    "civicast_platform_requests",
    "Requests to LINE and the Graph API, by status code ('network': no answer)",
    ["platform", "endpoint", "status"],
)
PLATFORM_LATENCY = Histogram(
    "civicast_platform_request_seconds",
    "Latency of requests to LINE and the Graph API",
    ["platform", "endpoint"],
    buckets=NETWORK_BUCKETS,
)
WEBHOOK_EVENTS_STORED = Counter(
    "civicast_webhook_events_stored", "Webhook events stored (redeliveries not counted)", ["channel"]
)
WEBHOOK_EVENTS_ANSWERED = Counter(
    "civicast_webhook_events_answered", "Webhook events answered and marked handled", ["channel"]
)
TRANSLATIONS = Counter(
    "civicast_translation_requests", "Machine-translation calls, by outcome (ok, failed)", ["engine", "outcome"]
)
TRANSLATION_LATENCY = Histogram(
    "civicast_translation_seconds", "Latency of machine-translation calls", ["engine"], buckets=NETWORK_BUCKETS
)
CAP_DOCUMENTS = Counter(
    "civicast_cap_documents", "CAP documents received from the national platform, by first outcome", ["outcome"]
)


@contextmanager
def timed_request(platform: str, endpoint: str) -> Iterator[list[str]]:
    """Time one platform request and count it by status: the caller puts the status in the yielded list
    (left empty: the request raised before an answer, counted as 'network')."""
    status: list[str] = []
    started = time.perf_counter()
    try:
        yield status
    finally:
        PLATFORM_LATENCY.labels(platform, endpoint).observe(time.perf_counter() - started)
        PLATFORM_REQUESTS.labels(platform, endpoint, status[0] if status else "network").inc()
