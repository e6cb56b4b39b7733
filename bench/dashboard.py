"""`mounasabet-admin dashboard --json`'s figures on the search benchmark's marketplace.

10,000 providers and 200,000 bookings (bench/search_data.py); the target is an answer
within 1 s. Measures ``core.admin.dashboard.dashboard`` from opening the unit of work to
holding the figures, which is what the command does besides starting Python.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass

from bench.search_data import NOW, postgres_database, sqlite_database
from core.admin.dashboard import dashboard
from core.bootstrap import build_uow_factory
from core.db.engine import make_engine

TARGET_S = 1.0
RUNS = 15


@dataclass(frozen=True)
class Result:
    backend: str
    median: float
    worst: float

    @property
    def meets_target(self) -> bool:
        return self.worst < TARGET_S


async def measure(backend: str, url: str) -> Result:
    engine = make_engine(url)
    uows = build_uow_factory(engine)
    timings: list[float] = []
    try:
        for run in range(RUNS + 1):
            started = time.perf_counter()
            async with uows() as uow:
                figures = await dashboard(uow, now=NOW)
            if run:  # the first run warms the caches
                timings.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    assert sum(figures["bookings_by_state"].values()) == 200_000
    result = Result(backend, statistics.median(timings), max(timings))
    verdict = "meets" if result.meets_target else "MISSES"
    print(
        f"{backend}: median {result.median * 1000:.0f} ms, worst {result.worst * 1000:.0f} ms "
        f"over {RUNS} runs ({verdict} the {TARGET_S:.0f} s target)"
    )
    return result


async def main() -> int:
    url, _ = await sqlite_database()
    results = [await measure("sqlite", url)]
    pg_url = os.environ.get("MOUNASABET_BENCH_POSTGRES_URL")
    if pg_url:
        await postgres_database(pg_url)
        results.append(await measure("postgresql", pg_url))
    else:
        print("postgresql: skipped (MOUNASABET_BENCH_POSTGRES_URL is not set)")
    return 0 if all(r.meets_target for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
