"""Where a slow search goes: the plans of the slowest queries of a mix, on PostgreSQL.

Run after ``bench.search`` has built its PostgreSQL database:

    MOUNASABET_BENCH_POSTGRES_URL=postgresql+asyncpg://... \\
        .venv/bin/python -m bench.search_explain --mix broad --slowest 5

It runs the mix's queries (the same seed as bench/search.py), keeps the statement and
the values the driver sent for each, and prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the
slowest: the plan PostgreSQL really chose for those values, with its row estimates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.search import MIXES, query_mix, warm_up
from bench.search_data import NOW
from core.catalog.search import SearchQuery, search_providers
from core.db.engine import make_engine, make_session_factory


async def slowest(
    engine: AsyncEngine, mix: str, n: int, keep: int
) -> list[tuple[float, SearchQuery, str, Any]]:
    """The ``keep`` slowest queries of ``n``: (ms, query, SQL sent, its parameters)."""
    sent: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        sent.append((statement, params))

    sessions = make_session_factory(engine)
    timed = []
    event.listen(engine.sync_engine, "before_cursor_execute", remember)
    try:
        for query in query_mix(n, mix):
            sent.clear()
            started = time.perf_counter()
            async with sessions() as session:
                await search_providers(session, query, now=NOW)
            ms = (time.perf_counter() - started) * 1000
            statement, params = sent[0]  # the page; a count follows only past the last page
            timed.append((ms, query, statement, params))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", remember)
    return sorted(timed, key=lambda t: -t[0])[:keep]


async def explain(engine: AsyncEngine, statement: str, params: Any) -> str:
    async with engine.connect() as conn:
        result = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        return "\n".join(str(row[0]) for row in result)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mix", choices=MIXES, default="broad")
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--slowest", type=int, default=3, help="plans to print")
    args = parser.parse_args(argv)
    url = os.environ.get("MOUNASABET_BENCH_POSTGRES_URL")
    if not url:
        raise SystemExit("set MOUNASABET_BENCH_POSTGRES_URL (the database bench.search built)")
    engine = make_engine(url)
    try:
        await warm_up(engine)
        for ms, query, statement, params in await slowest(
            engine, args.mix, args.queries, args.slowest
        ):
            print(f"\n=== {ms:.1f} ms: {query}")
            print(await explain(engine, statement, params))
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
