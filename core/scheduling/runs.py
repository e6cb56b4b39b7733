"""Running one sweep and recording what it did: last run, duration, result, error."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.db.engine import read_only
from core.db.tables import SweepRecord
from core.scheduling.model import Counts, Sweep, SweepContext
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    sweep_id: str
    counts: Counts
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None


async def run_sweep(
    sweep: Sweep, ctx: SweepContext, *, holder: str, next_run: datetime | None = None
) -> RunOutcome:
    """Run ``sweep`` once for ``ctx.now``; a failure is recorded and logged, never raised.

    The next run is the retry: each item commits alone, so whatever the failed run
    finished stays done and the rest is picked up again.
    """
    await _record(ctx.uows, sweep.id, status="running", holder=holder, started=ctx.now)
    started = time.monotonic()
    counts: Counts = {}
    error: str | None = None
    try:
        counts = await sweep.run(ctx)
    except Exception as exc:  # recorded for `mounasabet-admin jobs` and the digest
        log.exception("sweep %s failed", sweep.id)
        error = f"{type(exc).__name__}: {exc}"[:2000]
    ms = int((time.monotonic() - started) * 1000)
    await _record(
        ctx.uows,
        sweep.id,
        status="error" if error else "ok",
        holder=holder,
        finished=ctx.now + timedelta(milliseconds=ms),
        duration_ms=ms,
        result=counts,
        error=error,
        next_run=next_run,
    )
    # Counts only: sweeps never put personal data in what they return.
    log.info("sweep %s %s in %d ms: %s", sweep.id, "failed" if error else "ok", ms, counts)
    return RunOutcome(sweep.id, counts, error, ms)


async def records(uows: UnitOfWorkFactory) -> dict[str, SweepRecord]:
    async with uows() as uow:
        session = await read_only(uow.session)
        rows = (await session.scalars(select(SweepRecord))).all()
        session.expunge_all()  # loaded: the rollback on exit must not expire them
        return {row.id: row for row in rows}


async def _row(session: Any, sweep_id: str) -> SweepRecord:
    record: SweepRecord | None = await session.get(SweepRecord, sweep_id, with_for_update=True)
    if record is None:
        record = SweepRecord(id=sweep_id, status="never", last_result={}, runs=0, failures=0)
        session.add(record)
    return record


async def _record(
    uows: UnitOfWorkFactory,
    sweep_id: str,
    *,
    status: str,
    holder: str,
    started: datetime | None = None,
    finished: datetime | None = None,
    duration_ms: int | None = None,
    result: Counts | None = None,
    error: str | None = None,
    next_run: datetime | None = None,
) -> None:
    async with uows() as uow:
        record = await _row(uow.session, sweep_id)
        record.status, record.holder = status, holder
        if started is not None:
            record.last_started_at = started
        if finished is not None:
            record.next_run_at = next_run
            record.last_finished_at, record.duration_ms = finished, duration_ms
            record.last_result = dict(result or {})
            record.runs += 1
            if error is not None:
                record.failures += 1
                record.last_error, record.last_error_at = error, finished
        await uow.commit()
