"""/metrics during and after a fan-out through the sandbox, /readyz, and who may scrape."""

from __future__ import annotations

import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.database import upgrade_database
from bot.office.services import Services
from bot.settings import load_settings
from scheduler.sending import send_now
from tests.scheduler.conftest import add_residents, approved_notice

RESIDENTS = 360


def scrape(client, **headers) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """The exposition parsed: sample name → {sorted labels: value}."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def total(samples, name, **labels) -> float:
    return sum(
        value
        for key, value in samples.get(name, {}).items()
        if all(dict(key).get(label) == wanted for label, wanted in labels.items())
    )


def test_a_fan_out_drains_to_zero_and_every_resident_is_counted(stack):
    services, client = stack.services, stack.app.test_client()
    before = scrape(client)
    with services.session_factory.begin() as session:
        add_residents(session, services.glossary, RESIDENTS)
        notice_id = approved_notice(session, services.composer).id
    send_now(services.dispatch, notice_id)

    queued = scrape(client)
    assert total(queued, "civicast_outbox_deliveries", channel="line", status="pending") == 12  # one per language
    assert total(queued, "civicast_outbox_oldest_pending_age_seconds", channel="line") >= 0
    assert total(queued, "civicast_database_up") == 1

    worker = services.build_worker("metrics-test")
    worker.start()
    depths = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            during = scrape(client)
            depths.append(total(during, "civicast_outbox_deliveries"))
            if depths[-1] == 0:
                break
            time.sleep(0.05)
    finally:
        worker.stop()
    after = scrape(client)
    assert depths[-1] == 0 and total(after, "civicast_outbox_deliveries", channel="line") == 0
    assert total(after, "civicast_outbox_oldest_pending_age_seconds") == 0
    delivered = total(after, "civicast_delivery_recipients_total", channel="line", outcome="sent") - total(
        before, "civicast_delivery_recipients_total", channel="line", outcome="sent"
    )
    assert delivered == RESIDENTS
    sent = total(after, "civicast_deliveries_total", channel="line", outcome="sent") - total(
        before, "civicast_deliveries_total", channel="line", outcome="sent"
    )
    assert sent == 12
    # Each multicast was a request to LINE, timed and counted by its status code.
    requests_ok = total(after, "civicast_platform_requests_total", platform="line", status="200") - total(
        before, "civicast_platform_requests_total", platform="line", status="200"
    )
    assert requests_ok >= 12
    assert total(after, "civicast_platform_request_seconds_count", platform="line") >= requests_ok
    assert total(after, "civicast_worker_claim_lag_seconds_count", channel="line") >= 12
    assert total(after, "civicast_channel_paused", channel="line") == 0
    assert total(after, "civicast_scheduler_leaders") == 0  # no scheduler runs in this test
    assert ("channel", "line") in next(iter(after["civicast_webhook_queue_events"]))


def test_readyz_is_ready_and_lists_paused_channels(stack):
    from datetime import UTC, datetime

    from scheduler.outbox import pause_channel

    client = stack.app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ready" and body["migrations"]["current"] == body["migrations"]["head"]
    with stack.services.session_factory.begin() as session:
        pause_channel(session, "line", "LINE monthly message quota reached", datetime.now(UTC))
    paused = client.get("/readyz")
    assert paused.status_code == 200 and paused.get_json()["paused_channels"] == ["line"]
    assert client.get("/healthz").status_code == 200


def test_readyz_names_a_database_at_an_old_revision(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'old.db'}\ntranslation:\n  engine: none\n", encoding="utf-8"
    )
    services = Services(load_settings(config, environ={}))
    try:
        upgrade_database(services.engine, "0015")
        response = create_app(services.settings, services, resume_webhook_events=False).test_client().get("/readyz")
    finally:
        services.close()
    assert response.status_code == 503
    body = response.get_json()
    assert body["migrations"]["current"] == "0015" and body["migrations"]["head"] != "0015"
    assert "civicast db upgrade" in body["problems"][0]


def test_readyz_when_the_database_does_not_answer(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        "database:\n  url: postgresql+psycopg://civicast@127.0.0.1:9/civicast\ntranslation:\n  engine: none\n",
        encoding="utf-8",
    )
    services = Services(load_settings(config, environ={}))
    try:
        app = create_app(services.settings, services, resume_webhook_events=False)
        response = app.test_client().get("/readyz")
        metrics = app.test_client().get("/metrics")
    finally:
        services.close()
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"
    assert "database unreachable: OperationalError" in response.get_json()["problems"][0]
    assert metrics.status_code == 200 and "civicast_database_up 0.0" in metrics.get_data(as_text=True)


def test_metrics_can_be_kept_to_a_network_and_a_token(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'm.db'}\ntranslation:\n  engine: none\n"
        "metrics:\n  allow_from: [10.0.0.0/8]\n  bearer_token: a-long-enough-scrape-token\n",
        encoding="utf-8",
    )
    services = Services(load_settings(config, environ={}))
    try:
        upgrade_database(services.engine)
        client = create_app(services.settings, services, resume_webhook_events=False).test_client()
        token = {"Authorization": "Bearer a-long-enough-scrape-token"}
        outside = client.get("/metrics", headers=token, environ_base={"REMOTE_ADDR": "192.0.2.7"})
        no_token = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
        allowed = client.get("/metrics", headers=token, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    finally:
        services.close()
    assert outside.status_code == 403 and no_token.status_code == 403
    assert allowed.status_code == 200 and "civicast_outbox_deliveries" in allowed.get_data(as_text=True)


def test_every_answer_carries_a_request_id(stack):
    client = stack.app.test_client()
    assert (
        client.get("/healthz", headers={"X-Request-Id": "from-the-proxy-1"}).headers["X-Request-Id"]
        == "from-the-proxy-1"
    )
    made = client.get("/healthz", headers={"X-Request-Id": "no spaces; allowed"}).headers["X-Request-Id"]
    assert len(made) == 32 and made.isalnum()


def test_the_scheduler_leader_is_read_from_postgresql(stack):
    from scheduler.leadership import PostgresLeaderLock

    if stack.services.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: one process runs everything and says whether its own scheduler leads")
    client = stack.app.test_client()
    lock = PostgresLeaderLock(stack.services.engine)
    assert total(scrape(client), "civicast_scheduler_leaders") == 0
    assert lock.try_acquire()
    try:
        assert total(scrape(client), "civicast_scheduler_leaders") == 1  # held by another connection than the scrape
    finally:
        lock.release()
    assert total(scrape(client), "civicast_scheduler_leaders") == 0
