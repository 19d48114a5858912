"""Benchmark: the pages officers and residents load, on a city-sized audience.

Seeds N LINE residents (default 200,000), sends a typhoon warning, then times in-process
(Flask's test client, no network): building the preview grid (12 languages × 4 channels,
audience by language and district), the console's notice page, the delivery page, and the
public notice page a LINE bubble links to, cold and with its ETag (304). Prints JSON figures.

    python bench/console.py [--residents 200000] [--rounds 30] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import create_app
from bot.database import upgrade_database
from bot.demo import seed_residents
from bot.office import desk, drafts
from bot.office.accounts import Actor, create_officer
from bot.office.models import Role
from bot.office.preview import build_preview
from bot.office.services import Services
from bot.settings import load_settings
from messages.db import make_engine
from tests.support.confirmed import CONFIRMED

PASSWORD = "bench-password-2026"


def timed(action: Callable[[], object], rounds: int) -> dict[str, float]:
    action()  # warm
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="civicast-bench-console-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    schema = None
    if url.startswith("postgresql"):  # a schema of its own, dropped afterwards: nothing else is touched
        schema = f"bench_console_{os.getpid()}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    config = workdir / "config.yaml"
    config.write_text(f"database:\n  url: '{url}'\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    upgrade_database(services.engine)
    seed_residents(services, args.residents)
    now = datetime.now(UTC)
    editor, approver = Actor("bench-editor", Role.EDITOR), Actor("bench-approver", Role.APPROVER)
    with services.session_factory.begin() as session:
        create_officer(session, "bench-approver", "approver", password=PASSWORD)
        kind = services.kinds.get("typhoon_land_warning")
        notice = drafts.compose_notice(
            session,
            services.composer,
            editor,
            drafts.NoticeInput(kind.id, {**kind.example_params, "districts": ["苓雅區", "前鎮區", "三民區"]}),
            now=now,
        )
        notice_id = notice.id
        desk.submit_notice(
            session, editor, notice_id, glossary=services.glossary, channels=services.channel_limits, now=now
        )
    desk.approve_notice(services.dispatch, approver, notice_id, now=now)
    preview = build_preview(services, notice_id)
    desk.send_notice_now(
        services.dispatch, approver, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )

    app = create_app(services.settings, services, resume_webhook_events=False)
    officer = app.test_client()
    login = officer.get("/console/login").get_data(as_text=True)
    csrf_field = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert csrf_field is not None, "the sign-in page carries its CSRF token"
    token = csrf_field.group(1)
    officer.post("/console/login", data={"username": "bench-approver", "password": PASSWORD, "csrf_token": token})
    resident = app.test_client()
    page = f"/n/{notice_id}?lang=th"
    etag = resident.get(page).headers["ETag"]

    def get(client, path, expected=200, **headers):
        def request() -> None:
            response = client.get(path, headers=headers)
            assert response.status_code == expected, (path, response.status_code)

        return request

    figures = {
        "residents": args.residents,
        "targeted": preview.total,
        "database": services.engine.dialect.name,
        "python": platform.python_version(),
        "preview_grid": timed(lambda: build_preview(services, notice_id, translate=False), args.rounds),
        "console_notice_page": timed(get(officer, f"/console/notices/{notice_id}"), args.rounds),
        "console_delivery_page": timed(get(officer, f"/console/notices/{notice_id}/delivery"), args.rounds),
        "public_notice_page": timed(get(resident, page), args.rounds * 10),
        "public_notice_page_304": timed(get(resident, page, 304, **{"If-None-Match": etag}), args.rounds * 10),
        "public_notice_page_bytes": len(resident.get(page).data),
        "active_notices_page": timed(get(resident, "/notices?lang=vi"), args.rounds * 10),
    }
    print(json.dumps(figures, indent=2))
    services.close()
    if schema:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
