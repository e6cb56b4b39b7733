"""CachedReads: search and profile from memory, refreshed by time, by commits, by hand."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.booking.availability_query import kept_calendar_span
from core.booking.calendar_data import load_calendar, provider_calendar
from core.booking.request import RequestBooking, request_booking
from core.catalog.reads import CALENDAR_TABLES
from core.catalog.search import SearchQuery
from core.clock import FixedClock
from core.db.tables import Base, Provider, Service
from core.errors import SlotUnavailable
from core.uow import Committed, UnitOfWorkFactory
from dialogs.framework.reads import CATALOG_TABLES, CachedReads
from tests.support.bookings import request
from tests.support.factories import make_user
from tests.support.search_data import Built, ServiceSpec, add_blackout, add_busy, add_provider
from tests.support.statements import selects, statements_on

QUERY = SearchQuery(category="photographer", city="rabat")
# What a profile and a search cost from an empty cache: the provider's calendar (the
# provider, its hours, days off and busy time), kept apart, then the profile (the provider
# and its cities, services, seats held, bookings), then the search.
COLD = 4 + 4 + 1
# With the provider's calendar still in memory (a booking does not change it).
CALENDAR_KEPT = 4 + 1


@pytest.fixture
async def built(uows: UnitOfWorkFactory, clock: FixedClock) -> Built:
    return await add_provider(uows, clock.now(), "atlas", services=[ServiceSpec()])


@pytest.fixture
def reads(uows: UnitOfWorkFactory) -> CachedReads:
    return CachedReads(uows.session_factory)


async def set_price(uows: UnitOfWorkFactory, service_id: int, price_minor: int) -> None:
    async with uows() as uow:
        await uow.session.execute(
            update(Service).where(Service.id == service_id).values(price_minor=price_minor)
        )
        await uow.commit()


async def price_seen(reads: CachedReads, built: Built, now: datetime) -> int:
    profile = await reads.profile(built.provider_id, now=now)
    assert profile is not None
    return profile.services[0].price_minor


async def reads_made(engine: AsyncEngine, reads: CachedReads, built: Built, now: datetime) -> int:
    """How many SELECTs one profile and one search cost now."""
    with statements_on(engine) as sent:
        await reads.profile(built.provider_id, now=now)
        await reads.search(QUERY, now=now)
    return len(selects(sent))


async def test_second_call_is_served_from_memory(
    engine: AsyncEngine, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    now = clock.now()
    with statements_on(engine) as sent:
        profile = await reads.profile(built.provider_id, now=now)
        page = await reads.search(QUERY, now=now)
    assert len(selects(sent)) == COLD
    with statements_on(engine) as sent:
        again = await reads.profile(built.provider_id, now=now)
        page_again = await reads.search(QUERY, now=now)
    assert sent == []
    assert again is profile
    assert page_again == page
    assert [h.provider_id for h in page.hits] == [built.provider_id]


async def test_miss_reads_without_the_write_lock(
    engine: AsyncEngine, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the write lock up front is SQLite's BEGIN IMMEDIATE")
    with statements_on(engine) as sent:
        await reads.profile(built.provider_id, now=clock.now())
    begins = [s for s in sent if s.upper().startswith("BEGIN")]
    assert begins == ["BEGIN", "BEGIN"]  # the calendar's read, then the profile's


async def test_callers_cannot_change_cached_search_hits(
    reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    page = await reads.search(QUERY, now=clock.now())
    page.hits[0].name["fr"] = "vandal"
    page.hits.clear()
    again = await reads.search(QUERY, now=clock.now())
    assert [h.name["fr"] for h in again.hits] == ["atlas"]


async def test_entries_expire_after_the_ttl(
    engine: AsyncEngine, uows: UnitOfWorkFactory, built: Built, clock: FixedClock
) -> None:
    reads = CachedReads(uows.session_factory, ttl_seconds=0.05)
    now = clock.now()
    await reads_made(engine, reads, built, now)
    assert await reads_made(engine, reads, built, now) == 0
    await asyncio.sleep(0.06)
    assert await reads_made(engine, reads, built, now) == COLD


async def test_invalidate_drops_everything(
    engine: AsyncEngine,
    uows: UnitOfWorkFactory,
    reads: CachedReads,
    built: Built,
    clock: FixedClock,
) -> None:
    now = clock.now()
    assert await price_seen(reads, built, now) == 500_000
    await set_price(uows, built.service_id, 400_000)
    assert await price_seen(reads, built, now) == 500_000  # not told: the cached answer
    reads.invalidate()
    assert await price_seen(reads, built, now) == 400_000
    reads.invalidate()
    assert await reads_made(engine, reads, built, now) == COLD


@pytest.mark.parametrize("table", sorted(CATALOG_TABLES))
async def test_commit_on_a_catalog_table_invalidates(
    engine: AsyncEngine, reads: CachedReads, built: Built, clock: FixedClock, table: str
) -> None:
    now = clock.now()
    await reads_made(engine, reads, built, now)
    reads.on_commit(Committed({"outbox": None, table: frozenset({1})}))
    expected = COLD if table in CALENDAR_TABLES else CALENDAR_KEPT
    assert await reads_made(engine, reads, built, now) == expected


async def test_commit_on_other_tables_keeps_the_cache(
    engine: AsyncEngine, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    now = clock.now()
    await reads_made(engine, reads, built, now)
    reads.on_commit(Committed({"outbox": None}))
    reads.on_commit(Committed({"users": None, "conversations": None, "processed_events": None}))
    assert await reads_made(engine, reads, built, now) == 0


def test_catalog_tables_are_real_tables() -> None:
    assert set(Base.metadata.tables) >= CATALOG_TABLES
    assert {"providers", "services", "bookings", "slot_holds"} <= CATALOG_TABLES


async def test_a_booking_committed_through_the_uow_refreshes_the_profile(
    uows: UnitOfWorkFactory, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    now = clock.now()
    uows.after_commit.append(reads.on_commit)
    before = await reads.profile(built.provider_id, now=now)
    assert before is not None
    client = await make_user(uows, now)
    day = before.free_dates[0]
    async with uows() as uow:
        cmd = RequestBooking(
            client_id=client,
            service_id=built.service_id,
            event_type="wedding",
            day=day,
            city="rabat",
        )
        await request_booking(uow, cmd, now=now)
        await uow.commit()
    after = await reads.profile(built.provider_id, now=now)
    assert after is not None
    assert day not in after.free_dates


async def test_a_booking_at_one_provider_keeps_the_others_profiles(
    engine: AsyncEngine,
    uows: UnitOfWorkFactory,
    reads: CachedReads,
    built: Built,
    clock: FixedClock,
) -> None:
    """The uow names the providers its rows belong to: a booking at "atlas" drops atlas's
    profile and free days and every search page, and leaves "nour"'s in memory."""
    now = clock.now()
    other = await add_provider(uows, now, "nour", services=[ServiceSpec()])
    uows.after_commit.append(reads.on_commit)
    profile = await reads.profile(built.provider_id, now=now)
    assert profile is not None
    await reads.profile(other.provider_id, now=now)
    other_service = await reads.service(other.service_id)
    assert other_service is not None
    await reads.free_dates(other_service, now=now, count=4)
    await reads.search(QUERY, now=now)
    client = await make_user(uows, now)
    await request(uows, now, client, built.service_id, profile.free_dates[0], guests=None)

    with statements_on(engine) as kept:
        await reads.profile(other.provider_id, now=now)
        await reads.free_dates(other_service, now=now, count=4)
    assert selects(kept) == []
    with statements_on(engine) as again:
        after = await reads.profile(built.provider_id, now=now)
    assert selects(again)
    assert after is not None and profile.free_dates[0] not in after.free_dates
    with statements_on(engine) as searched:
        await reads.search(QUERY, now=now)
    assert selects(searched)
    # A statement that names no rows (a bulk update of services): every provider's.
    await set_price(uows, other.service_id, 400_000)
    with statements_on(engine) as dropped:
        await reads.profile(other.provider_id, now=now)
    assert selects(dropped)


async def test_concurrent_misses_read_once(
    engine: AsyncEngine, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    now = clock.now()
    with statements_on(engine) as sent:
        profiles = await asyncio.gather(
            *(reads.profile(built.provider_id, now=now) for _ in range(10))
        )
        pages = await asyncio.gather(*(reads.search(QUERY, now=now) for _ in range(10)))
    assert len(selects(sent)) == COLD
    assert all(p is profiles[0] for p in profiles)
    assert all(p == pages[0] for p in pages)


async def test_entries_are_keyed_by_the_minute(
    engine: AsyncEngine, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    nine = clock.now()
    assert await reads_made(engine, reads, built, nine + timedelta(seconds=5)) == COLD
    assert await reads_made(engine, reads, built, nine + timedelta(seconds=59.9)) == 0
    # The calendar is kept for the day.
    assert await reads_made(engine, reads, built, nine + timedelta(minutes=1)) == CALENDAR_KEPT
    assert await reads_made(engine, reads, built, nine + timedelta(seconds=30)) == 0


async def test_the_oldest_entry_is_dropped_when_full(
    engine: AsyncEngine, uows: UnitOfWorkFactory, built: Built, clock: FixedClock
) -> None:
    reads = CachedReads(uows.session_factory, max_entries=2)
    minutes = [clock.now() + timedelta(minutes=i) for i in range(3)]
    for at in minutes:
        await reads.profile(built.provider_id, now=at)
    with statements_on(engine) as sent:
        await reads.profile(built.provider_id, now=minutes[2])
        await reads.profile(built.provider_id, now=minutes[1])
    assert sent == []
    with statements_on(engine) as sent:
        await reads.profile(built.provider_id, now=minutes[0])
    assert len(selects(sent)) == 4  # the profile's own: its calendar is kept for the day


def gated_factory(engine: AsyncEngine, gate: asyncio.Event, entered: list[int]) -> Any:
    """Sessions whose statements wait for ``gate``; ``entered`` counts the waits."""

    class GatedSession(AsyncSession):
        async def execute(self, *args: Any, **kwargs: Any) -> Any:
            entered.append(1)
            await gate.wait()
            return await super().execute(*args, **kwargs)

    return async_sessionmaker(engine, class_=GatedSession, expire_on_commit=False)


async def executes_per_profile(engine: AsyncEngine, provider_id: int, now: datetime) -> int:
    """How many times one profile read calls its session's ``execute`` (what the gate
    counts), read ungated."""
    gate, entered = asyncio.Event(), list[int]()
    gate.set()
    await CachedReads(gated_factory(engine, gate, entered)).profile(provider_id, now=now)
    return len(entered)


async def until(condition: Any) -> None:
    """Wait (up to 5 s) while the reads go through the database's I/O thread."""
    for _ in range(5000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("never happened")


async def test_a_read_begun_before_invalidate_is_not_kept(
    engine: AsyncEngine, built: Built, clock: FixedClock
) -> None:
    gate, entered = asyncio.Event(), list[int]()
    reads = CachedReads(gated_factory(engine, gate, entered))
    now = clock.now()
    stale = asyncio.create_task(reads.profile(built.provider_id, now=now))
    await until(lambda: len(entered) == 1)
    reads.invalidate()  # say a commit lands now: the read under way may predate it
    gate.set()
    assert await stale is not None  # its waiters get it ...
    await reads.profile(built.provider_id, now=now)
    one_read = await executes_per_profile(engine, built.provider_id, now)
    assert len(entered) == 2 * one_read  # ... but the next caller reads again


async def test_a_caller_after_invalidate_does_not_join_the_read_under_way(
    engine: AsyncEngine, built: Built, clock: FixedClock
) -> None:
    gate, entered = asyncio.Event(), list[int]()
    reads = CachedReads(gated_factory(engine, gate, entered))
    now = clock.now()
    stale = asyncio.create_task(reads.profile(built.provider_id, now=now))
    await until(lambda: len(entered) == 1)
    reads.invalidate()
    fresh = asyncio.create_task(reads.profile(built.provider_id, now=now))
    await until(lambda: len(entered) == 2)  # a read of its own
    gate.set()
    assert await stale is not await fresh


async def test_a_cancelled_waiter_does_not_cancel_the_shared_read(
    built: Built, engine: AsyncEngine, clock: FixedClock
) -> None:
    gate, entered = asyncio.Event(), list[int]()
    reads = CachedReads(gated_factory(engine, gate, entered))
    now = clock.now()
    impatient = asyncio.create_task(reads.profile(built.provider_id, now=now))
    patient = asyncio.create_task(reads.profile(built.provider_id, now=now))
    await until(lambda: len(entered) == 1)
    impatient.cancel()
    gate.set()
    profile = await patient
    assert profile is not None and impatient.cancelled()
    # One read, run to its end.
    assert len(entered) == await executes_per_profile(engine, built.provider_id, now)


async def test_a_failed_read_is_not_kept(
    engine: AsyncEngine, built: Built, clock: FixedClock
) -> None:
    failures = [RuntimeError("database went away")]

    class FlakySession(AsyncSession):
        async def execute(self, *args: Any, **kwargs: Any) -> Any:
            if failures:
                raise failures.pop()
            return await super().execute(*args, **kwargs)

    reads = CachedReads(async_sessionmaker(engine, class_=FlakySession))
    with pytest.raises(RuntimeError, match="went away"):
        await reads.profile(built.provider_id, now=clock.now())
    assert await reads.profile(built.provider_id, now=clock.now()) is not None


async def form_reads(engine: AsyncEngine, reads: CachedReads, built: Built, now: datetime) -> int:
    """How many SELECTs the booking form's cached questions cost now."""
    with statements_on(engine) as sent:
        service = await reads.service(built.service_id)
        assert service is not None
        await reads.active_provider(built.provider_id)
        await reads.active_services(built.provider_id)
        await reads.provider_cities(built.provider_id)
        await reads.free_dates(service, now=now, count=4)
    return len(selects(sent))


async def test_the_forms_rows_outlive_bookings_but_not_a_providers_edit(
    engine: AsyncEngine, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    """A booking changes which dates are free, not the service, the provider or its
    cities: those stay in memory until a provider's edit, in this process, drops them."""
    now = clock.now()
    first = await form_reads(engine, reads, built, now)
    assert first > 4
    assert await form_reads(engine, reads, built, now) == 0
    reads.on_commit(Committed({"bookings": frozenset({1}), "slot_holds": None}))
    free_dates_only = await form_reads(engine, reads, built, now)
    assert 0 < free_dates_only < first
    reads.on_commit(Committed({"services": frozenset({built.service_id})}))
    # The four rows again, and the free dates (the provider's calendar is kept).
    assert await form_reads(engine, reads, built, now) == 4 + free_dates_only
    reads.on_commit(Committed({"weekly_rules": frozenset({1})}))
    assert await form_reads(engine, reads, built, now) == first - 4


async def test_the_forms_rows_are_read_afresh_after_an_edit(
    uows: UnitOfWorkFactory, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    uows.after_commit.append(reads.on_commit)
    assert (await reads.active_services(built.provider_id))[0].price_minor == 500_000
    await set_price(uows, built.service_id, 400_000)
    assert (await reads.active_services(built.provider_id))[0].price_minor == 400_000
    service = await reads.service(built.service_id)
    assert service is not None and service.price_minor == 400_000


async def test_a_seat_taken_is_seen_at_once_by_the_exact_check(
    uows: UnitOfWorkFactory, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    """The day chosen is checked exactly, even where the offered dates are remembered."""
    now = clock.now()
    service = await reads.service(built.service_id)
    assert service is not None
    day = (await reads.free_dates(service, now=now, count=4))[0]
    await reads.check_bookable(service, day, None, now=now, max_days_ahead=365, minutes=None)
    client = await make_user(uows, now)
    async with uows() as uow:  # not hooked to the cache: as if another process booked
        cmd = RequestBooking(
            client_id=client, service_id=service.id, event_type="wedding", day=day, city="rabat"
        )
        await request_booking(uow, cmd, now=now)
        await uow.commit()
    assert day in await reads.free_dates(service, now=now, count=4)  # remembered
    with pytest.raises(SlotUnavailable):
        await reads.check_bookable(service, day, None, now=now, max_days_ahead=365, minutes=None)


async def test_a_kept_calendar_cut_to_some_days_is_what_reading_those_days_gives(
    uows: UnitOfWorkFactory, built: Built, clock: FixedClock
) -> None:
    """The free dates and the day chosen are worked out from the provider's calendar kept
    for months, cut to the days asked: it must hold what a read of those days holds, no
    more (a busy interval outside them would be checked for nothing) and no less."""
    now = clock.now()
    today = now.date()
    for offset in (3, 10, 40):
        await add_blackout(uows, built.provider_id, today + timedelta(days=offset))
    for offset, hours in ((9, 3), (10, 30), (12, 2), (60, 5)):  # one runs over two days
        start = now + timedelta(days=offset)
        await add_busy(uows, built.provider_id, start, start + timedelta(hours=hours))
    first, last = kept_calendar_span(today)
    async with uows() as uow:
        kept = await provider_calendar(uow.session, built.provider_id, first, last)
        provider = await uow.session.get(Provider, built.provider_id)
        assert kept is not None and provider is not None
        assert len(kept.blackouts) == 3 and len(kept.busy) == 4
        for a, b in ((10, 11), (9, 9), (11, 12), (3, 40), (41, 59), (0, 200)):
            days = today + timedelta(days=a), today + timedelta(days=b)
            assert kept.within(*days) == await load_calendar(uow.session, provider, *days)
    assert not kept.covers(today, last + timedelta(days=1))
    with pytest.raises(ValueError):
        kept.within(first - timedelta(days=1), first)


async def test_a_day_off_committed_here_is_seen_at_once(
    uows: UnitOfWorkFactory, reads: CachedReads, built: Built, clock: FixedClock
) -> None:
    """The kept calendar goes with a commit of this process to the provider's days off
    (another process's shows within the cache's time; the request reads it again)."""
    now = clock.now()
    uows.after_commit.append(reads.on_commit)
    service = await reads.service(built.service_id)
    assert service is not None
    day = (await reads.free_dates(service, now=now, count=4))[0]
    await reads.check_bookable(service, day, None, now=now, max_days_ahead=365, minutes=None)
    await add_blackout(uows, built.provider_id, day)
    assert day not in await reads.free_dates(service, now=now, count=4)
    with pytest.raises(SlotUnavailable) as refused:
        await reads.check_bookable(service, day, None, now=now, max_days_ahead=365, minutes=None)
    assert refused.value.key == "slot_blackout"
