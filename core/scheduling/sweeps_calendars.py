"""Every 30 minutes (with jitter), every connected calendar is read again
(core/calendar_sync/imports.py).

Each feed is fetched outside any transaction (a slow host must not hold the database),
then stored in a unit of work of its own; a feed that fails keeps its busy time as last
read, records why, and is tried again with a backoff as long as it has been failing; after
a day of failures its provider is told, once. Running twice only reads the due feeds twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.calendar_sync.imports import feed_addresses, note_refresh_failure, store_feed
from core.calendar_sync.ports import CalendarFeedError
from core.db.engine import read_only
from core.db.tables import CalendarImport
from core.scheduling.model import Counts, Sweep, SweepContext

log = logging.getLogger(__name__)


async def refresh_calendars(ctx: SweepContext) -> Counts:
    if ctx.calendars is None:
        raise RuntimeError("the calendar refresh needs a calendar fetcher (serve or worker)")
    counts = {"refreshed": 0, "failed": 0, "conflicts": 0, "told": 0}
    after = 0
    while True:
        async with ctx.uows() as uow:
            feeds = await feed_addresses(
                await read_only(uow.session), after=after, limit=ctx.batch, now=ctx.now
            )
        for provider_id, url in feeds:
            after = provider_id
            try:
                data = await ctx.calendars.fetch(url)
            except CalendarFeedError as error:
                counts["told"] += await _failed(ctx, provider_id, error)
                counts["failed"] += 1
                continue
            async with ctx.uows() as uow:
                row = await uow.session.get(CalendarImport, provider_id)
                if row is None or row.url != url:
                    continue  # disconnected or changed meanwhile: that change refreshed it
                try:
                    outcome = await store_feed(
                        uow,
                        provider_id,
                        data,
                        now=ctx.now,
                        horizon_days=ctx.config.calendar_horizon_days,
                    )
                except CalendarFeedError as error:
                    await uow.rollback()
                    counts["told"] += await _failed(ctx, provider_id, error)
                    counts["failed"] += 1
                    continue
                await uow.commit()
            counts["refreshed"] += 1
            counts["conflicts"] += len(outcome.conflicts)
        if len(feeds) < ctx.batch:
            return counts


async def _failed(ctx: SweepContext, provider_id: int, error: CalendarFeedError) -> int:
    log.warning("calendar of provider %s not refreshed: %s", provider_id, error)
    async with ctx.uows() as uow:
        told = await note_refresh_failure(uow, provider_id, error.key, now=ctx.now)
        await uow.commit()
    return int(told)


SWEEPS = (
    Sweep(
        "calendar-refresh",
        timedelta(minutes=30),
        refresh_calendars,
        "re-read imported calendars; flag bookings they overlap; tell a feed failing a day",
        jitter=timedelta(minutes=5),
    ),
)
