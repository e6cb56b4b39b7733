"""Issue 15: the lease's rules, and where its state shows: /healthz and `mounasabet-admin jobs`."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from typer.testing import CliRunner

from admin_cli.app import app as admin
from bots.programs.serve import build_app
from bots.scheduler import LEASE_JOB, SweepScheduler
from core.bootstrap import build_core
from core.scheduling import lease
from core.scheduling.model import Sweep, SweepContext
from core.scheduling.registry import SWEEPS
from core.scheduling.runs import records
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from tests.support.migrated import migrate
from tests.support.payments import eventually, free_port

T0 = datetime(2026, 3, 22, 1, 59, tzinfo=UTC)
TTL = timedelta(seconds=30)


async def test_one_holder_at_a_time_and_takeover_only_after_expiry(uows: UnitOfWorkFactory) -> None:
    assert await lease.acquire(uows, "a", now=T0, ttl=TTL)
    assert not await lease.acquire(uows, "b", now=T0 + timedelta(seconds=1), ttl=TTL)
    # Renewing pushes the expiry on: b still waits past the first expiry.
    assert await lease.acquire(uows, "a", now=T0 + timedelta(seconds=20), ttl=TTL)
    assert not await lease.acquire(uows, "b", now=T0 + timedelta(seconds=31), ttl=TTL)
    # a stops renewing (it died): once the lease has expired, b takes it, and a cannot.
    assert await lease.acquire(uows, "b", now=T0 + timedelta(seconds=50), ttl=TTL)
    assert not await lease.acquire(uows, "a", now=T0 + timedelta(seconds=51), ttl=TTL)
    state = await lease.current(uows)
    assert state is not None
    assert (state.holder, state.acquired_at) == ("b", T0 + timedelta(seconds=50))
    # A clean stop lets the next one in at once.
    await lease.release(uows, "b", now=T0 + timedelta(seconds=55))
    assert await lease.acquire(uows, "a", now=T0 + timedelta(seconds=55), ttl=TTL)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'status.db'}"
    migrate(url)
    monkeypatch.setenv("MOUNASABET_DATABASE_URL", url)
    monkeypatch.setenv("MOUNASABET_SANDBOX_ENABLED", "false")
    return url


@asynccontextmanager
async def serve(url: str, *, worker: bool) -> AsyncIterator[str]:
    container = build_core(Settings(database_url=url, sandbox_enabled=False))
    runner = web.AppRunner(build_app(container, worker=worker))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def health(base: str, status: int = 200) -> dict[str, object]:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as resp:
        assert resp.status == status
        body: dict[str, object] = await resp.json()
        return body


async def test_serve_runs_the_sweeps_and_healthz_names_the_holder(database: str) -> None:
    container = build_core(Settings(database_url=database))
    uows = container.uows
    async with serve(database, worker=True) as base:
        body = await health(base)
        scheduler = body["scheduler"]
        assert isinstance(scheduler, dict)
        assert str(scheduler["holder"]).split(":")[1] == str(os.getpid())
        assert scheduler["stale"] is False

        async def all_ran() -> bool:
            found = await records(uows)
            return all(found[s.id].runs >= 1 for s in SWEEPS if s.id in found) and len(
                found
            ) == len(SWEEPS)

        await eventually(all_ran, "every sweep's first run", 60)
    await container.close()


async def test_serve_no_worker_runs_no_sweeps_and_reports_a_stale_lease(database: str) -> None:
    async with serve(database, worker=False) as base:
        assert (await health(base))["scheduler"] == {"holder": None, "stale": None}
    container = build_core(Settings(database_url=database))
    try:
        assert await lease.acquire(container.uows, "gone:1:x", now=T0, ttl=TTL)
        async with serve(database, worker=False) as base:
            scheduler = (await health(base, 503))["scheduler"]  # no worker renews it
            assert isinstance(scheduler, dict)
            assert (scheduler["holder"], scheduler["stale"]) == ("gone:1:x", True)
        assert await records(container.uows) == {}  # no sweep ever ran
    finally:
        await container.close()


def test_jobs_lists_every_sweep_and_a_stale_lease(database: str) -> None:
    async def dead_holder() -> None:
        container = build_core(Settings(database_url=database))
        try:
            await lease.acquire(container.uows, "gone:1:x", now=T0, ttl=TTL)
        finally:
            await container.close()

    asyncio.run(dead_holder())
    status = json.loads(CliRunner().invoke(admin, ["jobs", "--json"]).stdout)
    assert [job["id"] for job in status["jobs"]] == [s.id for s in SWEEPS]
    assert all(job["runs"] == 0 and job["status"] == "never" for job in status["jobs"])
    assert (status["lease"]["holder"], status["lease"]["stale"]) == ("gone:1:x", True)
    table = CliRunner().invoke(admin, ["jobs"])
    assert table.exit_code == 0 and "stale" in table.stdout


def test_jobs_run_runs_one_sweep_now_and_records_it(database: str) -> None:
    result = CliRunner().invoke(admin, ["jobs", "run", "ticket-sla", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "id": "ticket-sla",
        "counts": {"flagged": 0},
        "error": None,
    }
    status = json.loads(CliRunner().invoke(admin, ["jobs", "--json"]).stdout)
    [job] = [j for j in status["jobs"] if j["id"] == "ticket-sla"]
    assert (job["status"], job["runs"], job["last_result"]) == ("ok", 1, {"flagged": 0})
    table = CliRunner().invoke(admin, ["jobs"])
    assert table.exit_code == 0 and "ticket-sla" in table.stdout


def test_jobs_run_an_unknown_id_exits_1(database: str) -> None:
    result = CliRunner().invoke(admin, ["jobs", "run", "nope"])
    assert result.exit_code == 1
    assert "No sweep nope" in result.stderr


async def test_jobs_have_fixed_ids_and_coalesce_missed_runs(database: str) -> None:
    container = build_core(Settings(database_url=database))
    sweeps = SweepScheduler(
        container.uows, container.clock, container.settings, payments=None, sender=None
    )
    try:
        await sweeps.start()
        jobs = {job.id: job for job in sweeps.scheduler.get_jobs()}
        assert set(jobs) == {s.id for s in SWEEPS} | {LEASE_JOB}
        for sweep in SWEEPS:
            job = jobs[sweep.id]
            # A loop blocked (or a machine asleep) for an hour runs each sweep once after.
            assert job.coalesce is True
            assert job.misfire_grace_time == int(sweep.every.total_seconds())
            assert job.max_instances == 1
        # Starting again replaces the jobs instead of adding twins.
        sweeps.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # APScheduler's AsyncIOScheduler stops on the loop's next turn
        await sweeps.start()
        assert len(sweeps.scheduler.get_jobs()) == len(SWEEPS) + 1
    finally:
        await sweeps.stop()
        await container.close()


async def test_stopping_cuts_the_running_sweep_and_starts_no_waiting_one(database: str) -> None:
    """SIGTERM must not wait for the sweeps queued behind the running one: once stop() is
    called, a tick waiting for its turn runs nothing, and the lease is given back."""
    started: list[str] = []
    release = asyncio.Event()

    async def slow(ctx: SweepContext) -> dict[str, int]:
        started.append("slow")
        await release.wait()  # stands for a sweep waiting on a busy database
        return {}

    async def queued(ctx: SweepContext) -> dict[str, int]:
        started.append("queued")
        return {}

    container = build_core(Settings(database_url=database))
    sweeps = SweepScheduler(
        container.uows,
        container.clock,
        container.settings,
        payments=None,
        sender=None,
        sweeps=(
            Sweep("slow", timedelta(hours=1), slow, "x"),
            Sweep("queued", timedelta(hours=1), queued, "y"),
        ),
    )
    try:
        await sweeps.renew()
        assert sweeps.holds_lease()
        running = asyncio.ensure_future(sweeps.run(sweeps.sweeps[0]))
        waiting = asyncio.ensure_future(sweeps.run(sweeps.sweeps[1]))
        await asyncio.sleep(0.2)
        assert started == ["slow"]
        await asyncio.wait_for(sweeps.stop(), 10)
        await asyncio.wait_for(asyncio.gather(running, waiting, return_exceptions=True), 10)
        assert started == ["slow"]  # the waiting one never ran
        assert sweeps.held_until is None
    finally:
        await container.close()
