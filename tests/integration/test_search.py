"""Provider catalog search against real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.booking.quote import PricingModel, make_quote
from core.booking.request import RequestBooking, request_booking
from core.catalog.search import SearchPage, SearchQuery, search_providers
from core.clock import FixedClock
from core.errors import InvalidValue
from core.money import Money
from core.uow import UnitOfWorkFactory
from tests.support.factories import make_user
from tests.support.search_data import ServiceSpec, add_blackout, add_busy, add_provider

# The clock fixture says Monday 2026-05-04 09:00 UTC; Morocco is on UTC+1 in June.
SATURDAY = date(2026, 6, 13)
SUNDAY = date(2026, 6, 14)
MONDAY = date(2026, 6, 15)


async def search(uows: UnitOfWorkFactory, now: datetime, **fields: Any) -> SearchPage:
    async with uows() as uow:
        return await search_providers(uow.session, SearchQuery(**fields), now=now)


async def slugs(uows: UnitOfWorkFactory, now: datetime, **fields: Any) -> list[str]:
    fields.setdefault("page_size", 50)
    return [h.slug for h in (await search(uows, now, **fields)).hits]


async def book(
    uows: UnitOfWorkFactory,
    now: datetime,
    service_id: int,
    day: date,
    start_time: time | None = None,  # for a service booked by the hour
) -> None:
    client = await make_user(uows, now)
    cmd = RequestBooking(
        client_id=client,
        service_id=service_id,
        event_type="wedding",
        day=day,
        city="rabat",
        start_time=start_time,
    )
    async with uows() as uow:
        await request_booking(uow, cmd, now=now)
        await uow.commit()


# --- filters -------------------------------------------------------------------------


async def test_category_filter_and_hit_service(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    photo = await add_provider(uows, now, "photo", services=[ServiceSpec("photographer")])
    both = await add_provider(
        uows,
        now,
        "both",
        services=[
            ServiceSpec("photographer", price_minor=300_000),
            ServiceSpec("videographer", price_minor=200_000),
        ],
    )
    await add_provider(uows, now, "cater", services=[ServiceSpec("caterer")])

    assert await slugs(uows, now, category="photographer", sort="price") == ["both", "photo"]
    page = await search(uows, now, category="videographer")
    assert [h.slug for h in page.hits] == ["both"]
    assert page.hits[0].service_id == both.service_ids[1]
    assert page.hits[0].from_price_minor == 200_000
    # Without a category the cheapest of all services is the one shown.
    anything = {h.slug: h for h in (await search(uows, now, page_size=50)).hits}
    assert set(anything) == {"photo", "both", "cater"}
    assert anything["both"].service_id == both.service_ids[1]
    assert anything["photo"].service_id == photo.service_id


async def test_city_filter(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    await add_provider(uows, now, "rabat-only", cities=["rabat"])
    await add_provider(uows, now, "two-cities", cities=["rabat", "fes"])
    await add_provider(uows, now, "casa-only", cities=["casablanca"])

    assert await slugs(uows, now, city="fes") == ["two-cities"]
    assert sorted(await slugs(uows, now, city="rabat")) == ["rabat-only", "two-cities"]
    assert await slugs(uows, now, city="oujda") == []


async def test_language_filter_matches_whole_codes(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    await add_provider(uows, now, "english", languages=["en"])
    await add_provider(uows, now, "francophone", languages=["fr", "ar"])

    assert await slugs(uows, now, language="en") == ["english"]
    assert await slugs(uows, now, language="ar") == ["francophone"]
    # A prefix or a LIKE wildcard must not match: the test is on the quoted code.
    assert await slugs(uows, now, language="e") == []
    assert await slugs(uows, now, language="%") == []


async def test_guest_count_filter(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    await add_provider(uows, now, "small", services=[ServiceSpec(max_guests=100)])
    await add_provider(uows, now, "big", services=[ServiceSpec(min_guests=150)])
    await add_provider(uows, now, "any", services=[ServiceSpec()])
    await add_provider(uows, now, "band", services=[ServiceSpec(min_guests=50, max_guests=300)])

    assert sorted(await slugs(uows, now, guests=100)) == ["any", "band", "small"]
    assert sorted(await slugs(uows, now, guests=150)) == ["any", "band", "big"]
    assert sorted(await slugs(uows, now, guests=20)) == ["any", "small"]
    assert sorted(await slugs(uows, now, guests=400)) == ["any", "big"]
    assert len(await slugs(uows, now)) == 4


async def test_budget_keeps_prices_up_to_the_limit(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    await add_provider(uows, now, "cheap", services=[ServiceSpec(price_minor=400_000)])
    await add_provider(uows, now, "exact", services=[ServiceSpec(price_minor=600_000)])
    await add_provider(uows, now, "dear", services=[ServiceSpec(price_minor=600_001)])
    two_days = ServiceSpec(price_minor=350_000, days=2)  # 700,000 in all
    await add_provider(uows, now, "two-days", services=[two_days])

    assert sorted(await slugs(uows, now, budget_minor=600_000)) == ["cheap", "exact"]
    assert await slugs(uows, now, budget_minor=399_999) == []


async def test_per_guest_price_against_budget(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    per_guest = ServiceSpec("caterer", pricing_model="per_guest", price_minor=25_000)
    built = await add_provider(uows, now, "traiteur", services=[per_guest])

    # 25,000 * 80 = 2,000,000: just within; 25,000 * 81 is not.
    page = await search(uows, now, guests=80, budget_minor=2_000_000)
    assert [(h.slug, h.from_price_minor) for h in page.hits] == [("traiteur", 2_000_000)]
    assert await slugs(uows, now, guests=81, budget_minor=2_000_000) == []
    # Unknown guest count: priced for the documented default of 100 guests.
    page = await search(uows, now)
    assert page.hits[0].from_price_minor == 2_500_000
    assert page.hits[0].service_id == built.service_id
    assert await slugs(uows, now, budget_minor=2_499_999) == []


async def test_prices_agree_with_the_booking_quote(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    specs = {
        "fixed-3d": ServiceSpec(price_minor=123_457, days=3),
        "hour-90": ServiceSpec(pricing_model="per_hour", price_minor=100_001, duration_minutes=90),
        "hour-50": ServiceSpec(pricing_model="per_hour", price_minor=99_999, duration_minutes=50),
        "guest": ServiceSpec(pricing_model="per_guest", price_minor=33_333),
    }
    for slug, spec in specs.items():
        await add_provider(uows, now, slug, services=[spec])

    page = await search(uows, now, guests=137, page_size=50)
    got = {h.slug: h.from_price_minor for h in page.hits}
    for slug, spec in specs.items():
        quote = make_quote(
            model=PricingModel(spec.pricing_model),
            unit_price=Money(spec.price_minor),
            deposit_bp=3000,
            guests=137,
            minutes=spec.duration_minutes,
            days=spec.days,
        )
        assert got[slug] == quote.total.amount, slug
    assert got["hour-90"] == 150_002  # 150,001.5 rounds half up


async def test_cheapest_matching_service_is_shown(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    built = await add_provider(
        uows,
        now,
        "multi",
        services=[
            ServiceSpec(price_minor=500_000),
            ServiceSpec(pricing_model="per_guest", price_minor=1_000),  # 100,000 at 100
            ServiceSpec(price_minor=50_000, max_guests=50),
        ],
    )
    fixed, per_guest, small = built.service_ids

    hit = (await search(uows, now)).hits[0]
    assert (hit.service_id, hit.from_price_minor) == (small, 50_000)
    hit = (await search(uows, now, guests=200)).hits[0]
    assert (hit.service_id, hit.from_price_minor) == (per_guest, 200_000)
    hit = (await search(uows, now, guests=600)).hits[0]
    assert (hit.service_id, hit.from_price_minor) == (fixed, 500_000)


async def test_equal_prices_pick_the_lower_service_id(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    # The others take two events a day: a provider of one event a day is one team, whose
    # booked day leaves no service of theirs free (issue 14; test_issue_14_dates.py).
    same = ServiceSpec(price_minor=300_000, capacity=2)
    first = ServiceSpec(price_minor=300_000)
    built = await add_provider(uows, now, "twins", services=[first, same, same])

    hit = (await search(uows, now)).hits[0]
    assert (hit.service_id, hit.from_price_minor) == (built.service_ids[0], 300_000)
    # Once the first is booked that day, the next one stands in at the same price.
    await book(uows, now, built.service_ids[0], SUNDAY)
    hit = (await search(uows, now, day=SUNDAY)).hits[0]
    assert hit.service_id == built.service_ids[1]


async def test_unpriceable_services_are_skipped(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    # An hourly price without a duration cannot be quoted, so it cannot be booked either.
    broken = ServiceSpec(pricing_model="per_hour", price_minor=1_000, duration_minutes=None)
    await add_provider(uows, now, "broken", services=[broken])
    mixed = await add_provider(
        uows, now, "mixed", services=[broken, ServiceSpec(price_minor=400_000)]
    )

    page = await search(uows, now)
    assert [(h.slug, h.service_id) for h in page.hits] == [("mixed", mixed.service_ids[1])]
    assert page.total == 1


async def test_suspended_and_pending_providers_are_hidden(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    await add_provider(uows, now, "live")
    await add_provider(uows, now, "suspended", status="suspended")
    await add_provider(uows, now, "pending", status="pending")

    assert await slugs(uows, now) == ["live"]
    assert await slugs(uows, now, day=SUNDAY) == ["live"]


async def test_paused_services_are_hidden(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    await add_provider(uows, now, "paused", services=[ServiceSpec(active=False)])
    mixed = await add_provider(
        uows,
        now,
        "mixed",
        services=[ServiceSpec(price_minor=100_000, active=False), ServiceSpec(price_minor=700_000)],
    )

    page = await search(uows, now)
    assert [h.slug for h in page.hits] == ["mixed"]
    assert page.hits[0].service_id == mixed.service_ids[1]
    assert page.hits[0].from_price_minor == 700_000
    assert await slugs(uows, now, budget_minor=600_000) == []


# --- free on the day -----------------------------------------------------------------


async def test_full_day_leaves_results_until_the_next_day(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    built = await add_provider(uows, now, "busy-bee", services=[ServiceSpec(capacity=2)])
    await add_provider(uows, now, "other")

    await book(uows, now, built.service_id, SUNDAY)
    assert "busy-bee" in await slugs(uows, now, day=SUNDAY)  # one seat of two left
    await book(uows, now, built.service_id, SUNDAY)
    assert await slugs(uows, now, day=SUNDAY) == ["other"]
    assert sorted(await slugs(uows, now, day=MONDAY)) == ["busy-bee", "other"]
    assert sorted(await slugs(uows, now)) == ["busy-bee", "other"]  # no day: no filter


async def test_a_free_service_keeps_the_provider_with_its_own_price(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    built = await add_provider(
        uows,
        now,
        "two-teams",
        # The dear one takes two events a day: not the one team of a one-a-day provider,
        # whose booked day would leave it no time (core.booking.calendar_data).
        services=[ServiceSpec(price_minor=300_000), ServiceSpec(price_minor=900_000, capacity=2)],
    )
    cheap, dear = built.service_ids
    await book(uows, now, cheap, SUNDAY)

    hit = (await search(uows, now, day=SUNDAY)).hits[0]
    assert (hit.service_id, hit.from_price_minor) == (dear, 900_000)
    assert (await search(uows, now, day=MONDAY)).hits[0].service_id == cheap
    assert await slugs(uows, now, day=SUNDAY, budget_minor=500_000) == []


async def test_one_team_provider_booked_for_the_day(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A one-event-a-day provider's full-day booking leaves their other services no
    time that day; an hourly booking leaves another hourly service free (the booking
    check settles the hours), but not a full-day one."""
    now = clock.now()
    day_team = await add_provider(
        uows,
        now,
        "day-team",
        services=[ServiceSpec(price_minor=300_000), ServiceSpec(price_minor=900_000)],
    )
    hour_team = await add_provider(
        uows,
        now,
        "hour-team",
        services=[
            ServiceSpec(price_minor=100_000, duration_minutes=120),
            ServiceSpec(price_minor=200_000, duration_minutes=120),
            ServiceSpec(price_minor=900_000),
        ],
    )
    await book(uows, now, day_team.service_id, SUNDAY)
    await book(uows, now, hour_team.service_id, SUNDAY, start_time=time(18))

    page = await search(uows, now, day=SUNDAY)
    assert [h.slug for h in page.hits] == ["hour-team"]
    assert page.hits[0].service_id == hour_team.service_ids[1]
    assert await slugs(uows, now, day=SUNDAY, budget_minor=150_000) == []
    assert sorted(await slugs(uows, now, day=MONDAY)) == ["day-team", "hour-team"]


async def test_blackout_day(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    built = await add_provider(uows, now, "on-leave")
    await add_blackout(uows, built.provider_id, SUNDAY)

    assert await slugs(uows, now, day=SUNDAY) == []
    assert await slugs(uows, now, day=SATURDAY) == ["on-leave"]
    assert await slugs(uows, now, day=MONDAY) == ["on-leave"]


async def test_closed_weekday(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    await add_provider(uows, now, "weekdays", weekdays=range(5))  # Monday to Friday
    await add_provider(uows, now, "weekends", weekdays=[5, 6])

    assert await slugs(uows, now, day=SUNDAY) == ["weekends"]
    assert await slugs(uows, now, day=MONDAY) == ["weekdays"]


async def test_busy_interval_hides_full_day_services(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    full_day = await add_provider(uows, now, "full-day")
    hourly_spec = ServiceSpec(pricing_model="per_hour", price_minor=50_000, duration_minutes=120)
    hourly = await add_provider(uows, now, "hourly", services=[hourly_spec])
    # Sunday 15:00-17:00 local (UTC+1).
    for built in (full_day, hourly):
        await add_busy(
            uows,
            built.provider_id,
            datetime(2026, 6, 14, 14, tzinfo=UTC),
            datetime(2026, 6, 14, 16, tzinfo=UTC),
        )

    # An hourly service may still fit around two busy hours; a full day cannot.
    assert await slugs(uows, now, day=SUNDAY) == ["hourly"]
    assert sorted(await slugs(uows, now, day=MONDAY)) == ["full-day", "hourly"]
    # Busy the whole local Monday (from Sunday 23:00 UTC): hidden whatever the service.
    for built in (full_day, hourly):
        await add_busy(
            uows,
            built.provider_id,
            datetime(2026, 6, 14, 23, tzinfo=UTC),
            datetime(2026, 6, 15, 23, tzinfo=UTC),
        )
    assert await slugs(uows, now, day=MONDAY) == []
    assert await slugs(uows, now, day=SUNDAY) == ["hourly"]  # touching midnight is no overlap


async def test_local_day_bounds_follow_morocco_time(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    built = await add_provider(uows, now, "late-party")
    # 23:10-23:50 UTC on Saturday is 00:10-00:50 on Sunday in Casablanca (UTC+1).
    await add_busy(
        uows,
        built.provider_id,
        datetime(2026, 6, 13, 23, 10, tzinfo=UTC),
        datetime(2026, 6, 13, 23, 50, tzinfo=UTC),
    )

    # 21:00-23:00 UTC on Saturday is 22:00-24:00 local: it ends as Sunday begins.
    early = await add_provider(uows, now, "early-night")
    await add_busy(
        uows,
        early.provider_id,
        datetime(2026, 6, 13, 21, tzinfo=UTC),
        datetime(2026, 6, 13, 23, tzinfo=UTC),
    )

    assert await slugs(uows, now, day=SATURDAY) == ["late-party"]
    assert await slugs(uows, now, day=SUNDAY) == ["early-night"]


async def test_minimum_notice(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()  # Monday 2026-05-04 10:00 local
    await add_provider(uows, now, "full-48h", services=[ServiceSpec(min_notice_hours=48)])
    hourly = ServiceSpec(
        pricing_model="per_hour", price_minor=50_000, duration_minutes=60, min_notice_hours=48
    )
    await add_provider(uows, now, "hourly-48h", services=[hourly])

    # Wednesday starts 38 h from now (05-05 23:00 UTC) and ends 62 h from now: too soon
    # for a full day, yet its evening is bookable. Tuesday ends 38 h from now.
    assert await slugs(uows, now, day=date(2026, 5, 6)) == ["hourly-48h"]
    assert sorted(await slugs(uows, now, day=date(2026, 5, 7))) == ["full-48h", "hourly-48h"]
    assert await slugs(uows, now, day=date(2026, 5, 5)) == []
    assert await slugs(uows, now, day=date(2026, 5, 1)) == []  # the past


async def test_minimum_notice_boundary(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    await add_provider(uows, now, "notice-38h", services=[ServiceSpec(min_notice_hours=38)])
    await add_provider(uows, now, "notice-39h", services=[ServiceSpec(min_notice_hours=39)])

    # Wednesday starts exactly 38 h from now: just enough for one, an hour short for the other.
    assert await slugs(uows, now, day=date(2026, 5, 6)) == ["notice-38h"]
    later = now + timedelta(seconds=1)
    assert await slugs(uows, later, day=date(2026, 5, 6)) == []


# --- sorting and pages ---------------------------------------------------------------


async def test_sort_orders(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    # slug: (rating_x100, rating_count, price)
    data = {
        "one-perfect": (500, 1, 700_000),
        "well-loved": (480, 100, 900_000),
        "newcomer": (0, 0, 300_000),
        "solid": (450, 20, 300_000),
        "solid-twin": (450, 20, 500_000),
        "steady": (350, 10, 800_000),  # scores 350 like the newcomer, with more reviews
    }
    for slug, (rating, count, price) in data.items():
        await add_provider(
            uows,
            now,
            slug,
            rating_x100=rating,
            rating_count=count,
            services=[ServiceSpec(price_minor=price)],
        )

    # Relevance: (480*100+1750)//105=473, 430, 430, (500+1750)//6=375, 350, 350.
    assert await slugs(uows, now) == [
        "well-loved",
        "solid",
        "solid-twin",
        "one-perfect",
        "steady",
        "newcomer",
    ]
    assert await slugs(uows, now, sort="rating") == [
        "one-perfect",
        "well-loved",
        "solid",
        "solid-twin",
        "steady",
        "newcomer",
    ]
    # Equal prices fall back to the provider id, i.e. creation order here.
    assert await slugs(uows, now, sort="price") == [
        "newcomer",
        "solid",
        "solid-twin",
        "one-perfect",
        "steady",
        "well-loved",
    ]


@pytest.mark.parametrize("sort", ["relevance", "price", "rating"])
async def test_pagination_is_stable_and_complete(
    uows: UnitOfWorkFactory, clock: FixedClock, sort: str
) -> None:
    now = clock.now()
    for i in range(12):
        # Few distinct ratings and prices, so most of the order rests on the tie-breaks.
        await add_provider(
            uows,
            now,
            f"p{i:02d}",
            rating_x100=400 + 50 * (i % 2),
            rating_count=10,
            services=[ServiceSpec(price_minor=100_000 * (1 + i % 3))],
        )

    everything = await slugs(uows, now, sort=sort)
    pages = [await search(uows, now, sort=sort, page=n) for n in range(4)]
    assert [p.total for p in pages] == [12, 12, 12, 12]
    assert [len(p.hits) for p in pages] == [5, 5, 2, 0]
    assert [(p.has_prev, p.has_next) for p in pages] == [
        (False, True),
        (True, True),
        (True, False),
        (True, False),
    ]
    paged = [h.slug for p in pages for h in p.hits]
    assert paged == everything
    assert len(set(paged)) == 12
    again = await search(uows, now, sort=sort, page=1)
    assert again.hits == pages[1].hits


async def test_empty_result(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    page = await search(uows, clock.now(), category="florist")
    assert (page.hits, page.total, page.has_next, page.has_prev) == ([], 0, False, False)


async def test_postgres_connections_compile_nothing(engine: AsyncEngine) -> None:
    """JIT compiling cost a broad search 67 ms to save a few (make_engine turns it off)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    async with engine.connect() as conn:
        assert await conn.scalar(text("SHOW jit")) == "off"


@pytest.mark.parametrize(
    "fields",
    [
        {"page": -1},
        {"page_size": 0},
        {"page_size": 51},
        {"guests": 0},
        {"guests": 10_001},
        {"budget_minor": -1},
        {"sort": "distance"},
    ],
)
def test_query_validation(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidValue):
        SearchQuery(**fields)


async def test_naive_now_is_refused(uows: UnitOfWorkFactory) -> None:
    naive = datetime.combine(SUNDAY, time(12))  # no tzinfo: the point of the test
    async with uows() as uow:
        with pytest.raises(InvalidValue):
            await search_providers(uow.session, SearchQuery(), now=naive)


async def test_on_sqlite_the_search_runs_off_the_event_loop(
    uows: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broad search may scan thousands of services: it is marked LONG_READ, so on
    SQLite it runs in aiosqlite's thread while the loop serves others; the short reads
    around it run in the loop (core/db/sqlite_driver.py)."""
    if uows.engine.dialect.name != "sqlite":
        pytest.skip("aiosqlite's thread")
    now = clock.now()
    await add_provider(uows, now, "studio-a")
    trips: list[str] = []
    queue: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute  # untyped upstream

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(args[3] if fn.__name__ == "_run" else fn.__name__)  # the statement
        return await queue(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    async with uows() as uow:
        await uow.session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: to the thread
        trips.clear()
        page = await search_providers(uow.session, SearchQuery(city="rabat"), now=now)
    assert [h.slug for h in page.hits] == ["studio-a"]
    assert len(trips) == 1 and "FROM" in trips[0]  # the search itself, and nothing else
