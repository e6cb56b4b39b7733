"""The sweeps' runtime: APScheduler 3 in this process, while it holds the database lease.

Every process that may run sweeps (`serve` unless --no-worker, `worker`) starts one; they
all try to take the lease, one gets it and runs the sweeps, the others only keep asking,
so when the holder dies one of them takes over once its lease expires. Jobs have fixed
ids (the sweeps'), coalesce, and a grace time: a loop that was blocked for an hour does
one catch-up run per sweep, not sixty.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bots.calendar_fetcher import AiohttpCalendarFetcher
from bots.tasks import stop_task
from core.calendar_sync.ports import CalendarFetcher
from core.clock import Clock
from core.notifications.outbox import MessageSender
from core.payments.ports import Payments
from core.scheduling import lease
from core.scheduling.config import holder_name, sweep_config
from core.scheduling.model import Sweep, SweepContext
from core.scheduling.registry import SWEEPS
from core.scheduling.runs import run_sweep
from core.settings import Settings
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
LEASE_JOB = "scheduler-lease"
STARTUP_DELAY = timedelta(seconds=5)
STAGGER = timedelta(milliseconds=500)


class SweepScheduler:
    def __init__(
        self,
        uows: UnitOfWorkFactory,
        clock: Clock,
        settings: Settings,
        *,
        payments: Payments | None,
        sender: MessageSender | None,
        sweeps: tuple[Sweep, ...] = SWEEPS,
        calendars: CalendarFetcher | None = None,
        settle: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.uows, self.clock, self.settings = uows, clock, settings
        # Written before a catch-up: what this process has handed to be committed (the chat
        # journal's marks of replies sent, within a quarter second). After a skip their
        # holds look run out, and the outbox sweep would send those replies again.
        self.settle = settle
        self.payments, self.sender, self.sweeps = payments, sender, sweeps
        self.calendars = calendars or AiohttpCalendarFetcher.from_settings(settings)
        self.config = sweep_config(settings)
        self.holder = holder_name()
        self.ttl = timedelta(seconds=settings.scheduler_lease_seconds)
        self.held_until: datetime | None = None
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        # One sweep at a time: they share the database (on SQLite, one writer), and a tick
        # that finds its sweep still waiting is coalesced by APScheduler, not stacked.
        self.one_at_a_time = asyncio.Lock()
        self.current: asyncio.Task[object] | None = None
        self.catching_up: asyncio.Task[None] | None = None
        self.catch_up_wanted = False
        self.stopping = False

    def _every(self, sweep: Sweep) -> timedelta:
        override = self.settings.sweep_interval_seconds
        return timedelta(seconds=override) if override else sweep.every

    async def start(self) -> None:
        # APScheduler logs every job start and end at INFO; the sweeps log their own counts.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        await self.renew()
        now = datetime.now(UTC)
        self.scheduler.add_job(
            self.renew,
            "interval",
            seconds=self.ttl.total_seconds() / 3,
            id=LEASE_JOB,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(self.ttl.total_seconds()),
        )
        for i, sweep in enumerate(self.sweeps):
            every = self._every(sweep)
            self.scheduler.add_job(
                self.run,
                "interval",
                args=[sweep],
                seconds=every.total_seconds(),
                id=sweep.id,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=max(1, int(every.total_seconds())),
                jitter=int(sweep.jitter.total_seconds()) or None,
                # A fresh holder catches up soon, staggered, not all at once while the
                # process is still answering its first requests.
                next_run_time=now + min(every, STARTUP_DELAY) + i * STAGGER,
            )
        self.scheduler.start()
        log.info("scheduler started as %s with %d sweeps", self.holder, len(self.sweeps))

    async def renew(self) -> None:
        now = self.clock.now()
        won = await lease.acquire(self.uows, self.holder, now=now, ttl=self.ttl)
        if won and self.held_until is None:
            log.info("sweep lease taken by %s", self.holder)
        elif not won and self.held_until is not None:
            log.warning("sweep lease lost by %s", self.holder)
        self.held_until = now + self.ttl if won else None

    def holds_lease(self) -> bool:
        # A margin: a sweep is not started on a lease about to run out unrenewed.
        return self.held_until is not None and self.clock.now() < self.held_until - self.ttl / 3

    async def run(self, sweep: Sweep) -> None:
        async with self.one_at_a_time:
            # A tick that was waiting for the lock when stop() came runs nothing: otherwise
            # each waiting sweep would run in full while the process is meant to be leaving.
            if self.stopping or not self.holds_lease():
                return
            ctx = SweepContext(
                self.uows,
                self.clock.now(),
                payments=self.payments,
                sender=self.sender,
                config=self.config,
                calendars=self.calendars,
                batch=self.settings.sweep_batch_size,
            )
            job = self.scheduler.get_job(sweep.id)
            next_run = job.next_run_time if job else None
            self.current = asyncio.current_task()
            try:
                await run_sweep(sweep, ctx, holder=self.holder, next_run=next_run)
            finally:
                self.current = None

    def catch_up_soon(self) -> None:
        """Run every sweep now, one after the other, in the background: the sandbox's clock
        has skipped ahead, and what the skipped time would have brought (reminders, the
        auto-confirmation, the review request) comes now, not at each sweep's next tick up
        to an hour later. A skip during a catch-up gets a round of its own after it."""
        if self.stopping:
            return
        self.catch_up_wanted = True
        if self.catching_up is None or self.catching_up.done():
            self.catching_up = asyncio.create_task(self._catch_up(), name="sweeps-catch-up")

    async def _catch_up(self) -> None:
        while self.catch_up_wanted:
            self.catch_up_wanted = False
            if self.settle is not None:
                await self.settle()
            await self.renew()  # the lease was taken on the clock before the skip
            for sweep in self.sweeps:
                await self.run(sweep)

    async def stop(self) -> None:
        self.stopping = True
        if self.catching_up is not None:
            await stop_task(self.catching_up)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        current = self.current
        if current is not None:
            # Safe to cut short: each item of a sweep commits alone, the next run goes on.
            await stop_task(current)
        if self.held_until is not None:
            await lease.release(self.uows, self.holder, now=self.clock.now())
            self.held_until = None


def sweeps_ctx(sweeps: SweepScheduler) -> Callable[[web.Application], AsyncIterator[None]]:
    """`serve` runs the sweeps (unless --no-worker) for as long as the app lives."""

    async def ctx(_: web.Application) -> AsyncIterator[None]:
        await sweeps.start()
        yield
        await sweeps.stop()

    return ctx


async def scheduler_health(uows: UnitOfWorkFactory, now: datetime) -> dict[str, object]:
    """For /healthz: who holds the sweeps' lease and whether it is stale (holder gone)."""
    state = await lease.current(uows)
    if state is None:
        return {"holder": None, "stale": None}
    return {
        "holder": state.holder,
        "expires_at": state.expires_at.isoformat(),
        "stale": state.stale(now),
    }
