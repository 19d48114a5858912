"""Benchmark: compose one notice in all 12 languages, as text and as CAP.

Prints JSON figures (median, p95, per kind); the target on a 2-core machine is a
median under 20 ms for the whole set (12 × text + one 12-<info> CAP document).

    python bench/compose.py [--rounds 200] [--kind typhoon_land_warning ...]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import UTC, datetime

from messages.cap import AlertHeader, build_alert
from messages.compose import Composer
from messages.glossary import Glossary
from messages.i18n import LANGUAGES, Catalogs
from messages.kinds import default_kind_book


def compose_everything(composer: Composer, glossary: Glossary, kind_id: str) -> tuple[list[str], bytes]:
    kind = composer.kinds.get(kind_id)
    notice = composer.new_notice(kind_id, kind.example_params)
    notice.id, notice.identifier = 1, "civicast-bench-1"
    localised = composer.compose_all(notice, list(LANGUAGES))
    texts = [ln.plain_text for ln in localised.values()]
    header = AlertHeader(notice.identifier, "kcg.gov.tw", datetime.now(UTC), "Actual", "Alert")
    return texts, build_alert(header, kind, localised.values(), glossary)


def measure(composer: Composer, glossary: Glossary, kind_id: str, rounds: int) -> list[float]:
    compose_everything(composer, glossary, kind_id)  # warm: catalogs read, locales loaded
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        compose_everything(composer, glossary, kind_id)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--kind", action="append", default=None, help="kinds to measure (default: a typical set)")
    args = parser.parse_args()
    catalogs = Catalogs()
    glossary = Glossary(catalogs)
    composer = Composer(
        kinds=default_kind_book(), catalogs=catalogs, glossary=glossary, public_base_url="https://notices.example.tw"
    )
    kinds = args.kind or ["typhoon_land_warning", "earthquake_report", "dengue_outbreak", "heavy_rain"]
    per_kind = {}
    everything: list[float] = []
    for kind_id in kinds:
        timings = measure(composer, glossary, kind_id, args.rounds)
        everything += timings
        per_kind[kind_id] = round(statistics.median(timings), 2)
    everything.sort()
    print(
        json.dumps(
            {
                "benchmark": "compose",
                "languages": len(LANGUAGES),
                "rounds_per_kind": args.rounds,
                "median_ms": round(statistics.median(everything), 2),
                "p95_ms": round(everything[int(len(everything) * 0.95) - 1], 2),
                "median_ms_by_kind": per_kind,
                "target_median_ms": 20,
                "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
