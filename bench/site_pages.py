"""Benchmark of the marketing site's pages: server latency on the demo data.

Run ``python -m bench.site_pages`` (SQLite in a temporary directory, the demo seed).
The app is the one ``mounasabet serve`` builds (``bots.web_app.build_app``, no worker)
on loopback; one client asks the pages one after another, so the figures are the
server's time per page with nothing queued. See bench/README.md ("Site pages").
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from bots.programs.serve import build_app
from core.bootstrap import build_core
from core.catalog.vocabulary import CATEGORIES, CITIES, MARKET_TZ
from core.db.migrate import upgrade
from core.settings import Settings
from demo import seed_demo

TARGET_P95_MS = 50.0


def paths(slugs: list[str], today: date, rng: random.Random, n: int) -> dict[str, list[str]]:
    """``n`` addresses per page kind, drawn with a fixed seed."""
    langs = ("fr", "ar", "en")

    def day() -> str:
        return (today + timedelta(days=rng.randint(3, 120))).isoformat()

    return {
        "landing": [f"/{rng.choice(langs)}/" for _ in range(n)],
        "directory": [
            f"/{rng.choice(langs)}/providers?category={rng.choice(CATEGORIES)}"
            f"&city={rng.choice(CITIES)}&date={day()}&guests={rng.choice((50, 150, 300))}"
            for _ in range(n)
        ],
        "provider": [f"/{rng.choice(langs)}/providers/{rng.choice(slugs)}" for _ in range(n)],
    }


async def measure(url: str, wanted: list[str], http: aiohttp.ClientSession) -> list[float]:
    took = []
    for path in wanted:
        start = time.perf_counter()
        async with http.get(url + path) as resp:
            await resp.read()
            assert resp.status == 200, (path, resp.status)
        took.append((time.perf_counter() - start) * 1000)
    return took


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


async def run(requests: int, cache_seconds: float) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'site.db'}"
        upgrade(url)
        container = build_core(
            Settings(
                database_url=url,
                sandbox_enabled=True,
                catalog_cache_seconds=cache_seconds,
                _env_file=None,
            )
        )
        now = container.clock.now()
        await seed_demo(container.uows, now=now)
        runner = web.AppRunner(build_app(container, worker=False), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        base = f"http://{host}:{port}"
        ok = True
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(base + "/sitemap.xml") as resp:
                    sitemap = await resp.text()
                slugs = sorted(set(re.findall(r"/providers/([\w-]+)", sitemap)))
                today = now.astimezone(MARKET_TZ).date()
                rng = random.Random(17)
                for kind, wanted in paths(slugs, today, rng, requests).items():
                    await measure(base, wanted[:20], http)  # warm-up: templates, statements
                    took = await measure(base, wanted, http)
                    line = (
                        f"{kind:<10} n={len(took):<5} p50={statistics.median(took):6.1f} ms"
                        f"  p95={p95(took):6.1f} ms  max={max(took):6.1f} ms"
                    )
                    print(line)
                    ok = ok and p95(took) < TARGET_P95_MS
        finally:
            await runner.cleanup()
    print(f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.site_pages", description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="measured requests per page")
    parser.add_argument(
        "--cache-seconds",
        type=float,
        default=30.0,
        help="MOUNASABET_CATALOG_CACHE_SECONDS (0: every page reads the database)",
    )
    args = parser.parse_args()
    sys.exit(0 if asyncio.run(run(args.requests, args.cache_seconds)) else 1)


if __name__ == "__main__":
    main()
