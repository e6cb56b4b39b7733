"""Benchmark of the expiry sweep: a backlog of overdue requests expired, notices queued.

Run ``python -m bench.sweeps`` (SQLite; ``--rows N``, default 100,000); set
``MOUNASABET_BENCH_POSTGRES_URL`` to a dedicated PostgreSQL database to measure that
backend too (its tables are dropped and created again). The backlog is built first
(bench/sweeps_data.py); then a fresh process runs the sweep exactly as the scheduler
does (``run_sweep`` on ``expire-pending``: batches of 200, each batch in a transaction
of its own, both parties' notices written into the outbox in it) and reports its wall
time, rows per second, peak resident memory and CPU time, with the machine's load.
See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.sweeps_data import seed_overdue
from core.booking.news import notify_parties
from core.db.engine import make_engine, make_session_factory
from core.db.tables import Base, Booking, OutboxMessage
from core.scheduling.model import SweepContext
from core.scheduling.registry import BY_ID
from core.scheduling.runs import run_sweep
from core.uow import UnitOfWorkFactory

DATA = Path(__file__).parent / ".data"
TARGET_SECONDS, TARGET_MB = 60.0, 200.0


async def build(url: str, rows: int) -> float:
    engine = make_engine(url)
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    await seed_overdue(engine, rows, now=datetime.now(UTC))
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return time.perf_counter() - started


async def measure(url: str) -> dict[str, float]:
    """Runs in its own process, so its peak memory is the sweep's alone."""
    engine = make_engine(url)
    uows = UnitOfWorkFactory(make_session_factory(engine), (notify_parties,))
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    outcome = await run_sweep(
        BY_ID["expire-pending"], SweepContext(uows, datetime.now(UTC)), holder="bench"
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    async with uows() as uow:
        expired = await uow.session.scalar(
            select(func.count()).select_from(Booking).where(Booking.state == "expired")
        )
        notices = await uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "booking_expired")
        )
        # SQLite runs in the process: its CPU is the process's.
        server_pids = (
            await _server_pids(uow.session) if engine.dialect.name == "postgresql" else None
        )
    server_cpu = _server_cpu(server_pids)  # before the dispose ends them
    await engine.dispose()
    assert outcome.error is None, outcome.error
    return {
        "expired": float(expired or 0),
        "notices": float(notices or 0),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "server_cpu_seconds": server_cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "load_before": load,
        "load_after": os.getloadavg()[0],
    }


def _peak_rss_mb() -> float:
    """This process's own peak: Linux's ``ru_maxrss`` keeps the parent's peak across the
    fork and exec that started it (the parent built the backlog), ``VmHWM`` does not."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kb) / 1024


async def _server_pids(session: AsyncSession) -> list[int]:
    """PostgreSQL: the backends serving this process (all of them opened by it: the
    database is the benchmark's own)."""
    pids = await session.scalars(
        text(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND backend_type = 'client backend'"
        )
    )
    return [int(pid) for pid in pids]


def _server_cpu(pids: list[int] | None) -> float:
    """The CPU time the server's backends used, read from /proc where the server runs on
    this machine; -1 where it cannot be seen. The sweep waits for them, so on a quiet
    machine its wall time is about this plus the process's own CPU."""
    ticks = 0
    for pid in pids or []:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return -1.0  # another machine's server
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK") if pids else -1.0


def run(url: str, rows: int, label: str) -> bool:
    built = asyncio.run(build(url, rows))
    print(f"{label}: {rows:,} overdue requests built in {built:.1f} s")
    child = subprocess.run(
        [sys.executable, "-m", "bench.sweeps", "--measure", url],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    rate = figures["expired"] / figures["seconds"]
    ok = (
        figures["expired"] == rows
        and figures["notices"] == 2 * rows
        and figures["seconds"] < TARGET_SECONDS
        and figures["peak_rss_mb"] < TARGET_MB
    )
    print(
        f"{label}: expired {int(figures['expired']):,}, notices {int(figures['notices']):,} "
        f"in {figures['seconds']:.1f} s ({rate:,.0f} rows/s; CPU {figures['cpu_seconds']:.1f} s"
        + (
            f", server {figures['server_cpu_seconds']:.1f} s"
            if figures["server_cpu_seconds"] >= 0
            else ""
        )
        + "), "
        f"peak RSS {figures['peak_rss_mb']:.0f} MB, load {figures['load_before']:.2f} -> "
        f"{figures['load_after']:.2f} [{'ok' if ok else 'MISSES THE TARGET'}]"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure))))
        return
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    DATA.mkdir(exist_ok=True)
    db = DATA / "sweeps.db"
    for path in DATA.glob("sweeps.db*"):
        path.unlink()
    ok = run(f"sqlite+aiosqlite:///{db}", args.rows, "SQLite")
    pg = os.environ.get("MOUNASABET_BENCH_POSTGRES_URL")
    if pg:
        ok = run(pg, args.rows, "PostgreSQL") and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
