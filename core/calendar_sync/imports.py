"""A provider's imported calendar: connect it, refresh it, disconnect it.

A refresh replaces the provider's imported busy time in the caller's transaction: the
search and the booking form see the old set or the new one, never half of each. The
fetch is the slow part and comes first, so a feed that fails changes nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.availability import Interval
from core.calendar_sync.conflicts import Conflict, report_conflicts
from core.calendar_sync.feed_address import feed_url
from core.calendar_sync.ics_busy import busy_intervals, horizon
from core.calendar_sync.ports import CalendarFetcher
from core.db.tables import BusyInterval, CalendarImport, Provider
from core.errors import NotFound
from core.uow import UnitOfWork

# busy_intervals.source of the rows a refresh owns (and replaces); others (a data import,
# the demo) are left alone.
IMPORTED = "ics"
DEFAULT_HORIZON_DAYS = 365


@dataclass(frozen=True, slots=True)
class ImportStatus:
    """What the provider sees of their imported calendar (the address shortened)."""

    host: str
    connected_at: datetime
    refreshed_at: datetime | None
    busy_count: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    busy_count: int
    conflicts: tuple[Conflict, ...]


async def calendar_import_of(uow: UnitOfWork, provider_id: int) -> ImportStatus | None:
    row = await uow.session.get(CalendarImport, provider_id)
    if row is None:
        return None
    return ImportStatus(
        urlsplit(row.url).hostname or "?",
        row.connected_at,
        row.refreshed_at,
        row.busy_count,
        row.last_error,
    )


async def connect_calendar(
    uow: UnitOfWork,
    fetcher: CalendarFetcher,
    provider_id: int,
    pasted: str,
    *,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> RefreshOutcome:
    """Import the calendar at the address ``pasted``; kept only if it could be read."""
    url = feed_url(pasted)
    row = await uow.session.get(CalendarImport, provider_id)
    if row is None:
        row = CalendarImport(provider_id=provider_id, url=url, connected_at=now, busy_count=0)
        uow.session.add(row)
    else:
        row.url, row.connected_at = url, now
    await uow.session.flush()
    return await refresh_provider_calendar(
        uow, fetcher, provider_id, now=now, horizon_days=horizon_days
    )


async def refresh_provider_calendar(
    uow: UnitOfWork,
    fetcher: CalendarFetcher,
    provider_id: int,
    *,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> RefreshOutcome:
    """Fetch the provider's feed and replace their imported busy time with what it holds.

    Raises CalendarFeedError (nothing changed) when the feed can't be fetched or read, and
    NotFound when no calendar is connected. Upcoming accepted or confirmed bookings the new
    busy time overlaps are flagged and the provider is told (conflicts.py)."""
    row = await uow.session.get(CalendarImport, provider_id)
    if row is None:
        raise NotFound("calendar_not_connected")
    data = await fetcher.fetch(row.url)
    return await store_feed(uow, provider_id, data, now=now, horizon_days=horizon_days)


async def feed_addresses(session: AsyncSession, *, after: int, limit: int) -> list[tuple[int, str]]:
    """(provider id, address) of connected calendars past ``after``, for the sweep."""
    rows = await session.execute(
        select(CalendarImport.provider_id, CalendarImport.url)
        .where(CalendarImport.provider_id > after)
        .order_by(CalendarImport.provider_id)
        .limit(limit)
    )
    return [(provider_id, url) for provider_id, url in rows.all()]


async def store_feed(
    uow: UnitOfWork,
    provider_id: int,
    data: bytes,
    *,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> RefreshOutcome:
    """Read the fetched feed ``data`` and make it the provider's imported busy time;
    CalendarFeedError (nothing changed) if it can't be read."""
    row = await uow.session.get(CalendarImport, provider_id)
    provider = await uow.session.get(Provider, provider_id)
    if row is None or provider is None:
        raise NotFound("calendar_not_connected")
    start, end = horizon(now, horizon_days)
    # Parsing a big feed takes a while: off the event loop, which serves every chat.
    busy = await asyncio.to_thread(
        busy_intervals, data, start=start, end=end, tz=ZoneInfo(provider.timezone)
    )
    await store_busy(uow, provider_id, busy)
    row.refreshed_at, row.busy_count = now, len(busy)
    row.last_error = row.last_error_at = None
    conflicts = await report_conflicts(uow, provider, busy, now=now)
    return RefreshOutcome(len(busy), tuple(conflicts))


async def store_busy(uow: UnitOfWork, provider_id: int, busy: list[Interval]) -> None:
    """Replace the provider's imported busy time (in the caller's transaction)."""
    session = uow.session
    await session.execute(
        delete(BusyInterval).where(
            BusyInterval.provider_id == provider_id, BusyInterval.source == IMPORTED
        )
    )
    if busy:
        await session.execute(
            insert(BusyInterval),
            [
                {
                    "provider_id": provider_id,
                    "starts_at": b.start,
                    "ends_at": b.end,
                    "source": IMPORTED,
                }
                for b in busy
            ],
        )


async def note_refresh_failure(
    uow: UnitOfWork, provider_id: int, error_key: str, *, now: datetime
) -> None:
    """A scheduled refresh failed: the busy time stays as last read, the reason is kept."""
    row = await uow.session.get(CalendarImport, provider_id)
    if row is not None:
        row.last_error, row.last_error_at = error_key[:64], now


async def disconnect_calendar(uow: UnitOfWork, provider_id: int) -> bool:
    """Forget the feed and the busy time read from it; False if none was connected."""
    row = await uow.session.get(CalendarImport, provider_id)
    if row is None:
        return False
    await store_busy(uow, provider_id, [])
    await uow.session.delete(row)
    return True
