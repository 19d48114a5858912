"""JSON log lines: one object per line, with the notice, delivery and request they are about."""

from __future__ import annotations

import io
import json
import logging

from bot.logs import JsonFormatter, configure_logging
from bot.settings import LoggingSettings, load_settings
from messages.log_context import log_context
from scheduler.outbox import Delivery
from scheduler.sending import send_now
from tests.scheduler.conftest import add_residents, approved_notice
from tests.support.sandbox import set_faults


def json_lines(logger_name: str) -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger(logger_name).addHandler(handler)
    return handler, stream


def test_a_line_is_one_object_with_the_ids_in_hand():
    handler, stream = json_lines("civicast.test")
    logger = logging.getLogger("civicast.test")
    logger.setLevel(logging.INFO)
    try:
        with log_context(notice_id=7, delivery_id="d-1"):
            with log_context(request_id="r-9"):
                logger.warning("two\nlines 三民區")
            logger.info("after the request")
        logger.info("outside")
        try:
            raise ValueError("bad")
        except ValueError:
            logger.exception("failed")
    finally:
        logging.getLogger("civicast.test").removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    first, second, third, fourth = (json.loads(line) for line in lines)
    assert first["message"] == "two\nlines 三民區" and first["level"] == "WARNING"
    assert first["logger"] == "civicast.test" and first["time"].endswith("+00:00")
    assert (first["notice_id"], first["delivery_id"], first["request_id"]) == (7, "d-1", "r-9")
    assert "request_id" not in second and second["notice_id"] == 7
    assert {"notice_id", "delivery_id", "request_id"}.isdisjoint(third)
    assert "ValueError: bad" in fourth["exc"]


def test_a_workers_line_about_a_delivery_names_its_notice(stack):
    services = stack.services
    set_faults(stack.sandbox, "line", monthly_quota=0)  # the first multicast pauses LINE: the worker says so
    with services.session_factory.begin() as session:
        add_residents(session, services.glossary, 30)
        notice_id = approved_notice(session, services.composer).id
    send_now(services.dispatch, notice_id)
    handler, stream = json_lines("civicast.worker")
    try:
        services.build_worker("json-test").run_until_done(timeout=3)
    finally:
        logging.getLogger("civicast.worker").removeHandler(handler)
    paused = [
        entry
        for entry in map(json.loads, stream.getvalue().splitlines())
        if entry["message"].startswith("channel line paused")
    ]
    assert paused and paused[0]["notice_id"] == notice_id and paused[0]["level"] == "ERROR"
    with services.session_factory() as session:
        delivery = session.get(Delivery, paused[0]["delivery_id"])
    assert delivery is not None and delivery.notice_id == notice_id and delivery.channel == "line"


def test_the_format_is_a_setting(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("logging:\n  format: json\n  level: WARNING\n", encoding="utf-8")
    settings = load_settings(config, environ={})
    assert settings.logging == LoggingSettings(format="json", level="WARNING")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging(settings.logging)
        assert isinstance(root.handlers[-1].formatter, JsonFormatter) and root.level == logging.WARNING
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
