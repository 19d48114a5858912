"""Benchmark: disaster mode's rich-menu switches for many LINE residents.

Seeds N residents (a tenth in 旗山區, a third following the whole city, the rest spread over the other
districts), records menus for both kinds, then times the scheduler's step (``queue_menu_switches``): a steady
tick with nothing to do, a 旗山區 notice, a whole-city notice, and everyone back when it ends; and the bulk
link sends through the sandbox (one sender thread, as a worker runs it). Prints JSON figures.

    python bench/disaster_menus.py [--residents 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert, update

ROOT = Path(__file__).resolve().parent.parent
sys.path[0:1] = [str(ROOT)]  # the project, not bench/ (whose ingest.py would shadow the package)

from bot.database import upgrade_database  # noqa: E402 - after the path is set
from channels.line import LineChannel  # noqa: E402 - after the path is set
from channels.sandbox import Sandbox  # noqa: E402 - after the path is set
from messages.compose import Composer  # noqa: E402 - after the path is set
from messages.db import make_engine, make_session_factory  # noqa: E402 - after the path is set
from messages.glossary import Glossary  # noqa: E402 - after the path is set
from messages.i18n import LANGUAGES, Catalogs  # noqa: E402 - after the path is set
from messages.kinds import default_kind_book  # noqa: E402 - after the path is set
from messages.models import Notice, NoticeStatus  # noqa: E402 - after the path is set
from scheduler.audience import ALL_TOPICS, Subscriber, district_bit  # noqa: E402 - after the path is set
from scheduler.menu_switch import MenuSwitcher, outstanding_switches  # noqa: E402 - after the path is set
from scheduler.menus import LineRichMenu, MenuKind, MenuSwitch, Queued, queue_menu_switches  # noqa: E402 - after the path is set
from scheduler.worker import RetryPolicy  # noqa: E402 - after the path is set

TOKEN = "bench-token"


def seed(session_factory, glossary: Glossary, count: int) -> None:  # noqa: ANN001
    districts = [term.key for term in glossary.terms("district")]
    others = [key for key in districts if key != "qishan"]
    languages = list(LANGUAGES)
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        whole_city = i % 3 == 0
        district = "qishan" if i % 10 == 1 else others[i % len(others)]
        rows.append(
            {
                "channel": "line",
                "platform_user_id": f"U{i:032x}",
                "language": languages[i % len(languages)],
                "topics": ALL_TOPICS,
                "whole_city": whole_city,
                "districts": 0 if whole_city else district_bit(glossary, district),
                "status": "active",
                "test_recipient": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    with session_factory.begin() as session:
        for start in range(0, len(rows), 10000):
            session.execute(insert(Subscriber), rows[start : start + 10000])


def timed_tick(session_factory, composer: Composer, glossary: Glossary) -> tuple[float, Queued]:  # noqa: ANN001
    started = time.perf_counter()
    with session_factory.begin() as session:
        queued = queue_menu_switches(session, datetime.now(UTC), kinds=composer.kinds, glossary=glossary)
    return time.perf_counter() - started, queued


def send_all(session_factory, line: LineChannel) -> tuple[float, int]:  # noqa: ANN001
    switcher = MenuSwitcher(
        session_factory=session_factory, line=line, worker_id="bench", retry=RetryPolicy(base_s=0.05, max_s=0.5)
    )
    started = time.perf_counter()
    while True:
        switcher.run_once()
        with session_factory() as session:
            if outstanding_switches(session) == 0:
                break
    return time.perf_counter() - started, switcher.counters["switched"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='civicast-bench-')) / 'menus.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    session_factory = make_session_factory(engine)
    catalogs = Catalogs()
    glossary = Glossary(catalogs)
    composer = Composer(
        kinds=default_kind_book(), catalogs=catalogs, glossary=glossary, public_base_url="https://notices.example.tw"
    )
    sandbox = Sandbox.create(
        line_access_token=TOKEN, line_channel_secret="s", facebook_page_id="1", facebook_page_token="t"
    )
    assert sandbox.rich_menus is not None  # Sandbox.create makes the rich-menu sandbox too
    line = LineChannel(access_token=TOKEN, api_base_url=sandbox.serve_in_thread())
    with session_factory.begin() as session:
        for table in (MenuSwitch, LineRichMenu, Subscriber, Notice):
            session.execute(delete(table))
    for kind in MenuKind:  # menus in the sandbox's state directly: the drawing is not what is measured
        for language in LANGUAGES:
            menu_id = f"richmenu-{kind}-{language}"
            sandbox.rich_menus.state.menus[menu_id] = {}
            sandbox.rich_menus.state.images[menu_id] = ("image/png", 1)
            with session_factory.begin() as session:
                session.add(LineRichMenu(kind=kind, language=language, rich_menu_id=menu_id))
    started = time.perf_counter()
    seed(session_factory, glossary, args.residents)
    figures: dict[str, object] = {
        "residents": args.residents,
        "database": engine.dialect.name,
        "machine": platform.machine(),
        "seed_s": round(time.perf_counter() - started, 2),
    }
    figures["steady_tick_s"] = round(timed_tick(session_factory, composer, glossary)[0], 3)

    def notice(districts: list[str]) -> int:
        with session_factory.begin() as session:
            kind = composer.kinds.get("typhoon_land_warning")
            made = composer.new_notice("typhoon_land_warning", {**kind.example_params, "districts": districts})
            made.status, made.sent_at = NoticeStatus.SENT, datetime.now(UTC)
            session.add(made)
            session.flush()
            return made.id

    for label, districts in (("qishan", ["qishan"]), ("whole_city", ["all"])):
        notice(districts)
        seconds, queued = timed_tick(session_factory, composer, glossary)
        sent_s, switched = send_all(session_factory, line)
        figures[label] = {
            "queue_s": round(seconds, 3),
            "to_disaster": queued.to_disaster,
            "send_s": round(sent_s, 2),
            "switched": switched,
            "bulk_requests": sandbox.rich_menus.state.bulk_requests,
        }
    with session_factory.begin() as session:
        session.execute(update(Notice).values(status=NoticeStatus.CANCELLED.value))
    seconds, queued = timed_tick(session_factory, composer, glossary)
    sent_s, switched = send_all(session_factory, line)
    figures["back_to_normal"] = {
        "queue_s": round(seconds, 3),
        "to_normal": queued.to_normal,
        "send_s": round(sent_s, 2),
        "switched": switched,
    }
    figures["steady_tick_after_s"] = round(timed_tick(session_factory, composer, glossary)[0], 3)
    print(json.dumps(figures, indent=2))
    line.close()
    sandbox.stop()
    engine.dispose()


if __name__ == "__main__":
    main()
