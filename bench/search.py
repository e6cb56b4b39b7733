"""Benchmark of the catalog search: p50/p95/p99 latency of realistic query mixes.

Run ``python -m bench.search`` (SQLite); set ``MOUNASABET_BENCH_POSTGRES_URL`` to a
dedicated PostgreSQL database to measure that backend too. See bench/README.md.

Two mixes, the same seed on both backends:

- ``chat``: what the product sends today. The discover dialog
  (dialogs/client/discover.py) asks category, then city, then date, so every query has
  both; the date is often given, budget, guests, sort and page vary.
- ``broad``: the same, but 10 % of queries without a category and 20 % without a city,
  as free text or the site's directory sends. Such queries must look at thousands of
  services.

The target (issue 18) holds for both mixes on both backends: p95 <= 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import statistics
import time as clock
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.search_data import (
    CATEGORY_WEIGHTS,
    CITY_WEIGHTS,
    NOW,
    postgres_database,
    row_counts,
    sqlite_database,
)
from core.catalog.search import SearchQuery, SortKey, search_providers
from core.db.engine import make_engine, make_session_factory

TARGET_P95_MS = 20.0
QUERY_SEED = 7
MIXES = ("chat", "broad")


@dataclass(frozen=True)
class Result:
    backend: str
    mix: str
    latencies_ms: list[float]
    cpu_ms: list[float]  # this process only: the whole query for SQLite, the client for PG
    totals: list[int]
    load: tuple[float, float]  # 1-minute load average before and after the run

    def quantile(self, q: int, cpu: bool = False) -> float:
        data = self.cpu_ms if cpu else self.latencies_ms
        return statistics.quantiles(data, n=100, method="inclusive")[q - 1]

    @property
    def meets_target(self) -> bool:
        return self.quantile(95) <= TARGET_P95_MS


def query_mix(n: int, mix: str, seed: int = QUERY_SEED) -> list[SearchQuery]:
    """``n`` queries of the ``chat`` or ``broad`` mix (see the module docstring)."""
    rng = random.Random(seed)
    sorts: tuple[SortKey, ...] = ("relevance", "price", "rating")
    broad = mix == "broad"
    queries = []
    for _ in range(n):
        # Draw every field whatever the mix, so both mixes share the same other values.
        category = _weighted(rng, CATEGORY_WEIGHTS)
        city = _weighted(rng, CITY_WEIGHTS)
        no_category, no_city = rng.random() < 0.1, rng.random() < 0.2
        per_guest = category in ("caterer", "pastry")
        guests = rng.choice((50, 80, 120, 150, 200, 300, 500)) if rng.random() < 0.4 else None
        budget = None
        if rng.random() < 0.35:
            # Budgets around the typical price: a few thousand to a few hundred thousand MAD.
            scale = 100 * (guests or 100) if per_guest else 10_000
            budget = rng.randrange(5, 60) * scale * 10
        day = None
        if rng.random() < 0.6:
            day = NOW.date() + timedelta(days=rng.randrange(2, 180))
            if rng.random() < 0.5:  # most events are on a weekend
                day += timedelta(days=(5 - day.weekday()) % 7 + rng.randrange(2))
        queries.append(
            SearchQuery(
                category=None if broad and no_category else category,
                city=None if broad and no_city else city,
                day=day,
                budget_minor=budget,
                guests=guests,
                language=rng.choice(("ar", "fr", "en")) if rng.random() < 0.1 else None,
                sort=rng.choices(sorts, (60, 30, 10))[0],
                page=rng.choices((0, 1, 2, 3, 4), (70, 18, 7, 3, 2))[0],
            )
        )
    return queries


def every_shape() -> list[SearchQuery]:
    """One query per statement shape (filters set or not, times each sort): 192 in all."""
    day = NOW.date() + timedelta(days=30)
    sorts: tuple[SortKey, ...] = ("relevance", "price", "rating")
    queries = []
    for bits in range(64):
        on = [bool(bits >> i & 1) for i in range(6)]
        for sort in sorts:
            queries.append(
                SearchQuery(
                    category="photographer" if on[0] else None,
                    city="rabat" if on[1] else None,
                    day=day if on[2] else None,
                    budget_minor=10_000_000 if on[3] else None,
                    guests=100 if on[4] else None,
                    language="fr" if on[5] else None,
                    sort=sort,
                )
            )
    return queries


async def warm_up(engine: AsyncEngine) -> list[float]:
    """Run every shape once, so measurements see compiled statements; their times."""
    sessions = make_session_factory(engine)
    times = []
    for query in every_shape():
        started = clock.perf_counter()
        async with sessions() as session:
            await search_providers(session, query, now=NOW)
        times.append((clock.perf_counter() - started) * 1000)
    return times


async def measure(engine: AsyncEngine, backend: str, mix: str, n: int) -> Result:
    """Wall and CPU time of each query, from opening the session to holding the page."""
    sessions = make_session_factory(engine)
    latencies, cpu, totals = [], [], []
    load_before = os.getloadavg()[0]
    for query in query_mix(n, mix):
        started, cpu_started = clock.perf_counter(), clock.process_time()
        async with sessions() as session:
            page = await search_providers(session, query, now=NOW)
        latencies.append((clock.perf_counter() - started) * 1000)
        cpu.append((clock.process_time() - cpu_started) * 1000)
        totals.append(page.total)
    return Result(backend, mix, latencies, cpu, totals, (load_before, os.getloadavg()[0]))


async def run_backend(backend: str, url: str, build_s: float | None, n: int) -> list[Result]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            if backend == "postgresql":
                version = str(await conn.scalar(text("SHOW server_version")))
            else:
                version = str(await conn.scalar(text("SELECT sqlite_version()")))
        counts = await row_counts(engine)
        built = "cached" if build_s is None else f"built in {build_s:.0f} s"
        print(
            f"{backend} {version} ({built}): " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        )
        first = await warm_up(engine)
        print(
            f"  warm-up: {len(first)} statement shapes, first use (builds, compiles, plans "
            f"once per process) median {statistics.median(first):.1f} ms, max {max(first):.1f} ms"
        )
        results = []
        for mix in MIXES:
            results.append(await measure(engine, backend, mix, n))
            print(report(results[-1]), flush=True)
    finally:
        await engine.dispose()
    return results


def report(result: Result) -> str:
    lat, q = result.latencies_ms, result.quantile
    empty = sum(1 for t in result.totals if t == 0) / len(result.totals)
    verdict = "meets" if result.meets_target else "MISSES"
    target = f"target p95 <= {TARGET_P95_MS:.0f} ms: {verdict}"
    return "\n".join(
        [
            f"  {result.mix} mix, {len(lat)} queries: p50 {q(50):.2f} ms, p95 {q(95):.2f} ms, "
            f"p99 {q(99):.2f} ms, max {max(lat):.2f} ms, mean {statistics.fmean(lat):.2f} ms"
            + f"  [{target}]",
            f"    CPU of this process per query: p50 {q(50, cpu=True):.2f} ms, "
            f"p95 {q(95, cpu=True):.2f} ms, p99 {q(99, cpu=True):.2f} ms",
            f"    matches per query: median {statistics.median(result.totals):.0f}, "
            f"max {max(result.totals):,}, none {empty:.0%}; load average (1 min) "
            f"{result.load[0]:.2f} before, {result.load[1]:.2f} after, {os.cpu_count()} CPUs",
        ]
    )


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=600, help="measured queries per mix")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()}, sqlite3 module {sqlite3.sqlite_version}")
    url, build_s = await sqlite_database()
    results = await run_backend("sqlite", url, build_s, args.queries)
    pg_url = os.environ.get("MOUNASABET_BENCH_POSTGRES_URL")
    if pg_url:
        build_s = await postgres_database(pg_url)
        results += await run_backend("postgresql", pg_url, build_s, args.queries)
    else:
        print("postgresql: skipped (MOUNASABET_BENCH_POSTGRES_URL is not set)")
    return 0 if all(r.meets_target for r in results) else 1


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
