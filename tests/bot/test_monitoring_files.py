"""deploy/prometheus/alerts.yml and deploy/grafana/civicast.json speak of metrics civicast exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.database import upgrade_database
from bot.office.services import Services
from bot.settings import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
METRIC = re.compile(r"\bcivicast_[a-z0-9_]+\b")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
    "summary": ("", "_count", "_sum", "_created"),
}
ALERTS = {
    "CivicastOutboxStalled",
    "CivicastDeliveriesDead",
    "CivicastChannelPaused",
    "CivicastNoSchedulerLeader",
    "CivicastWebhookQueueAge",
}


def exposed_names(tmp_path) -> set[str]:
    """Every sample name a scrape of a fresh civicast can carry (a counter not yet counted has none yet)."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'c.db'}\ntranslation:\n  engine: none\n", encoding="utf-8"
    )
    services = Services(load_settings(config, environ={}))
    try:
        upgrade_database(services.engine)
        body = (
            create_app(services.settings, services, resume_webhook_events=False)
            .test_client()
            .get("/metrics")
            .get_data(as_text=True)
        )
    finally:
        services.close()
    names = set()
    for family in text_string_to_metric_families(body):
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names


def test_the_alert_rules_are_prometheus_rules_on_civicast_metrics(tmp_path):
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    exposed = exposed_names(tmp_path)
    alerts = {}
    for group in rules["groups"]:
        assert set(group) == {"name", "rules"}
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"} and rule["annotations"]["summary"]
            assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s"))
            assert rule["expr"].count("(") == rule["expr"].count(")")
            alerts[rule["alert"]] = rule["expr"]
    assert ALERTS <= set(alerts)
    referenced = {name for expr in alerts.values() for name in METRIC.findall(expr)}
    assert referenced and referenced <= exposed, referenced - exposed


def test_the_dashboard_charts_civicast_metrics(tmp_path):
    dashboard = json.loads((DEPLOY / "grafana" / "civicast.json").read_text(encoding="utf-8"))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    referenced = {name for expr in exprs for name in METRIC.findall(expr)}
    assert referenced <= exposed_names(tmp_path), referenced - exposed_names(tmp_path)
    # Every metric civicast defines is on the dashboard (its families, whatever the suffix).
    families = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in referenced}
    for wanted in (
        "civicast_deliveries",
        "civicast_delivery_recipients",
        "civicast_outbox_deliveries",
        "civicast_outbox_oldest_pending_age_seconds",
        "civicast_worker_claim_lag_seconds",
        "civicast_platform_requests",
        "civicast_platform_request_seconds",
        "civicast_webhook_events_stored",
        "civicast_webhook_events_answered",
        "civicast_webhook_queue_events",
        "civicast_webhook_queue_oldest_age_seconds",
        "civicast_translation_requests",
        "civicast_translation_seconds",
        "civicast_cap_documents",
        "civicast_scheduler_leaders",
        "civicast_channel_paused",
    ):
        assert wanted in families, wanted
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
