"""A provider's imported calendar: connect it, refresh it, disconnect it.

A refresh replaces the provider's imported busy time in the caller's transaction: the
search and the booking form see the old set or the new one, never half of each. The
fetch is the slow part and comes first, before the transaction opens (prefetch.py), so a
feed that fails changes nothing and a slow host holds up nobody else.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.availability import Interval
from core.calendar_sync.conflicts import Conflict, report_conflicts
from core.calendar_sync.ics_busy import busy_intervals, horizon
from core.calendar_sync.ports import CalendarFeedError
from core.calendar_sync.prefetch import FetchedFeed
from core.db.tables import BusyInterval, CalendarImport, OutboxMessage, Provider, User
from core.errors import NotFound
from core.notifications.outbox import enqueue
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
    provider_id: int,
    fetched: FetchedFeed,
    *,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> RefreshOutcome:
    """Import the calendar fetched from the address the provider pasted (``fetched.url``,
    made a feed address by `feed_url`); kept only if it could be read."""
    if fetched.error is not None:
        raise fetched.error
    row = await uow.session.get(CalendarImport, provider_id)
    if row is None:
        row = CalendarImport(
            provider_id=provider_id, url=fetched.url, connected_at=now, busy_count=0
        )
        uow.session.add(row)
    else:
        row.url, row.connected_at = fetched.url, now
    await uow.session.flush()
    return await store_feed(uow, provider_id, fetched.data, now=now, horizon_days=horizon_days)


async def refresh_provider_calendar(
    uow: UnitOfWork,
    provider_id: int,
    fetched: FetchedFeed | None,
    *,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> RefreshOutcome:
    """Replace the provider's imported busy time with the feed fetched for it before this
    transaction (prefetch.py). CalendarFeedError (nothing changed) when it could not be
    read, or was not fetched from the address connected now; NotFound when none is."""
    row = await uow.session.get(CalendarImport, provider_id)
    if row is None:
        raise NotFound("calendar_not_connected")
    if fetched is None or fetched.url != row.url:
        # Never fetched here instead: that would wait for the host with the transaction
        # open (prefetch.py). Asking again fetches it first.
        raise CalendarFeedError("calendar_not_fetched")
    if fetched.error is not None:
        raise fetched.error
    return await store_feed(uow, provider_id, fetched.data, now=now, horizon_days=horizon_days)


RETRY_FIRST = timedelta(minutes=30)  # the sweep's own period
RETRY_LONGEST = timedelta(hours=6)
TELL_AFTER = timedelta(days=1)  # a feed failing this long is told to its provider
FAILING_KIND = "calendar_failing"


def feed_due(row: CalendarImport, now: datetime) -> bool:
    """Whether the sweep reads ``row`` now: always while it works; after failures, with a
    backoff as long as it has been failing (30 min, 1 h, 2 h … at most 6 h between tries)."""
    if row.last_error_at is None:
        return True
    since = failing_since(row)
    wait = min(max(row.last_error_at - since, RETRY_FIRST), RETRY_LONGEST)
    return now - row.last_error_at >= wait


def failing_since(row: CalendarImport) -> datetime:
    """When the feed last worked (or was connected): its failures began after that."""
    return row.refreshed_at or row.connected_at


async def feed_addresses(
    session: AsyncSession, *, after: int, limit: int, now: datetime | None = None
) -> list[tuple[int, str]]:
    """(provider id, address) of connected calendars past ``after`` that are due (all of
    them without ``now``), for the sweep; fewer than ``limit`` only at the end."""
    due: list[tuple[int, str]] = []
    while len(due) < limit:
        rows = (
            await session.scalars(
                select(CalendarImport)
                .where(CalendarImport.provider_id > after)
                .order_by(CalendarImport.provider_id)
                .limit(limit)
            )
        ).all()
        due += [(r.provider_id, r.url) for r in rows if now is None or feed_due(r, now)]
        if len(rows) < limit:
            return due
        after = rows[-1].provider_id
    return due


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
) -> bool:
    """A scheduled refresh failed: the busy time stays as last read, the reason is kept.
    A feed failing for a day is told to its provider, once per streak; whether it was now."""
    row = await uow.session.get(CalendarImport, provider_id)
    if row is None:
        return False
    row.last_error, row.last_error_at = error_key[:64], now
    since = failing_since(row)
    if now - since < TELL_AFTER:
        return False
    provider = await uow.session.get(Provider, provider_id)
    key = f"{FAILING_KIND}:{provider_id}:{since.isoformat()}"
    if provider is None or await uow.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
    ):
        return False
    enqueue(
        uow.session,
        kind=FAILING_KIND,
        user_id=provider.user_id,
        payload={"provider_id": provider_id, "audience": "provider", "error": row.last_error},
        now=now,
        dedupe_key=key,
    )
    return True


async def disconnect_calendar(uow: UnitOfWork, provider_id: int) -> bool:
    """Forget the feed and the busy time read from it; False if none was connected."""
    row = await uow.session.get(CalendarImport, provider_id)
    if row is None:
        return False
    await store_busy(uow, provider_id, [])
    await uow.session.delete(row)
    return True


@dataclass(frozen=True, slots=True)
class FailingFeed:
    """What the "your calendar has been failing" news says, read when it is sent."""

    locale: str
    since: datetime
    error: str


async def failing_feed(uow: UnitOfWork, user_id: int, provider_id: int) -> FailingFeed | None:
    """The provider's feed if it is still failing; None once it works again or is gone."""
    row = await uow.session.get(CalendarImport, provider_id)
    provider = await uow.session.get(Provider, provider_id)
    user = await uow.session.get(User, user_id)
    if row is None or provider is None or user is None or provider.user_id != user_id:
        return None
    if row.last_error is None:
        return None
    return FailingFeed(user.locale, failing_since(row), row.last_error)
