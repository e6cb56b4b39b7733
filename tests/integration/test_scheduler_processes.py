"""Issue 15: real `mounasabet worker` processes against one database (SQLite, PostgreSQL).

Two workers started together run each sweep once (one holds the lease, the other waits);
a holder killed with SIGKILL is replaced once its lease expires; a worker killed in the
middle of a sweep leaves every booking either expired in full or untouched.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.sweeps_data import seed_overdue
from core.db.engine import read_only
from core.db.tables import Booking, SweepRecord
from core.scheduling import lease
from core.uow import UnitOfWorkFactory
from tests.support.payments import eventually
from tests.support.sweeps import assert_each_booking_whole, sweep
from tests.support.worker_process import LEASE_SECONDS, SLOW, Worker

pytestmark = pytest.mark.slow  # worker processes started and killed


@pytest.fixture
async def workers(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        await worker.stop(signal.SIGKILL)


def url_of(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


async def start(
    workers: list[Worker], engine: AsyncEngine, tmp_path: Path, name: str, **env: str
) -> Worker:
    worker = await Worker(url_of(engine), tmp_path, name, **env).start()
    workers.append(worker)
    return worker


async def states(uows: UnitOfWorkFactory) -> dict[str, int]:
    async with uows() as uow:
        rows = await uow.session.execute(
            select(Booking.state, func.count()).group_by(Booking.state)
        )
        return {state: int(n) for state, n in rows.all()}


async def holder_pid(uows: UnitOfWorkFactory) -> int | None:
    state = await lease.current(uows)
    return int(state.holder.split(":")[1]) if state else None


async def test_two_workers_run_each_sweep_once(
    engine: AsyncEngine, uows: UnitOfWorkFactory, tmp_path: Path, workers: list[Worker]
) -> None:
    await seed_overdue(engine, 300, now=datetime.now(UTC))
    first = await start(workers, engine, tmp_path, "a")
    second = await start(workers, engine, tmp_path, "b")

    async def all_expired() -> bool:
        return await states(uows) == {"expired": 300}

    await eventually(all_expired, "the backlog to expire", SLOW)

    async def several_runs() -> bool:
        async with uows() as uow:
            runs = await (await read_only(uow.session)).scalar(
                select(SweepRecord.runs).where(SweepRecord.id == "expire-pending")
            )
        return (runs or 0) >= 4

    await eventually(several_runs, "more runs of the expiry sweep", SLOW)
    await first.stop()
    await second.stop()
    # One process at a time: the other ran nothing, or (a renewal starved on a loaded
    # machine, and the lease changed hands) only before or only after it.
    a, b = first.run_times(), second.run_times()
    assert a or b
    assert not a or not b or max(a) < min(b) or max(b) < min(a), "both ran sweeps at once"
    async with uows() as uow:
        holders = set(await uow.session.scalars(select(SweepRecord.holder)))
    assert {int(h.split(":")[1]) for h in holders if h} <= {first.pid, second.pid}
    await assert_each_booking_whole(uows)


async def test_another_worker_takes_over_when_the_holder_is_killed(
    engine: AsyncEngine, uows: UnitOfWorkFactory, tmp_path: Path, workers: list[Worker]
) -> None:
    first = await start(workers, engine, tmp_path, "a")

    async def first_holds() -> bool:
        return await holder_pid(uows) == first.pid

    await eventually(first_holds, "the first worker to take the lease", SLOW)
    second = await start(workers, engine, tmp_path, "b")

    async def second_asks() -> bool:
        return "scheduler started" in second.log()

    await eventually(second_asks, "the second worker to ask for the lease", SLOW)
    await asyncio.sleep(LEASE_SECONDS + 1)
    assert await holder_pid(uows) == first.pid, "a live holder keeps its lease"
    await first.stop(signal.SIGKILL)

    async def second_holds() -> bool:
        return await holder_pid(uows) == second.pid

    await eventually(second_holds, "the second worker to take over", SLOW)
    await seed_overdue(engine, 50, now=datetime.now(UTC))

    async def all_expired() -> bool:
        return await states(uows) == {"expired": 50}

    await eventually(all_expired, "the survivor to expire the backlog", SLOW)

    async def logged() -> bool:
        return second.ran_sweeps()

    await eventually(logged, "the survivor's log of its run", SLOW)


async def test_a_worker_killed_mid_sweep_leaves_nothing_half_done(
    engine: AsyncEngine, uows: UnitOfWorkFactory, tmp_path: Path, workers: list[Worker]
) -> None:
    n = 1000
    await seed_overdue(engine, n, now=datetime.now(UTC))
    # One booking a batch makes the sweep a thousand commits: at 200 a batch a fast
    # machine finished all 4,000 between two polls, and at 10 a batch a busy one (the
    # test process waiting for a CPU) still saw all 1,000 done; the kill then proves
    # nothing.
    worker = await start(workers, engine, tmp_path, "a", MOUNASABET_SWEEP_BATCH_SIZE="1")

    async def under_way() -> bool:
        return (await states(uows)).get("expired", 0) >= 50

    await eventually(under_way, "the expiry sweep to start", SLOW)
    await worker.stop(signal.SIGKILL)
    done = (await states(uows)).get("expired", 0)
    assert 0 < done < n, f"killed too late to prove anything: {done} of {n} expired"
    await assert_each_booking_whole(uows)
    # The next run finishes the rest, each booking once.
    counts = await sweep(uows, "expire-pending", datetime.now(UTC))
    assert counts["expired"] == n - done
    assert await states(uows) == {"expired": n}
    await assert_each_booking_whole(uows)
