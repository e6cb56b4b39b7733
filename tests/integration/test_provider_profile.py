"""The provider profile snapshot against what the ORM says, on real databases."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.booking.availability_query import upcoming_free_dates
from core.catalog.provider_profile import ProviderProfile, provider_profile
from core.catalog.search import SearchQuery
from core.clock import FixedClock
from core.db.tables import Provider, Service
from core.uow import UnitOfWorkFactory
from dialogs.framework.reads import SessionReads
from dialogs.i18n.translator import translator
from tests.support.chat import client_chat
from tests.support.search_data import Built, ServiceSpec, add_blackout, add_provider
from tests.support.statements import selects, statements_on

# The clock fixture says Monday 2026-05-04 09:00 UTC; the provider works weekends only.
FIRST_SATURDAY = date(2026, 5, 9)


async def atlas(uows: UnitOfWorkFactory, now: datetime) -> Built:
    """Three active services (two at the same price), one inactive; three cities."""
    built = await add_provider(
        uows,
        now,
        "atlas",
        services=[
            ServiceSpec(price_minor=700_000),
            ServiceSpec(price_minor=300_000, pricing_model="per_guest"),
            ServiceSpec(price_minor=300_000),
            ServiceSpec(price_minor=1, active=False),
        ],
        cities=["rabat", "fes", "agadir"],
        languages=["fr", "en"],
        rating_x100=460,
        rating_count=12,
        weekdays=[5, 6],
    )
    await add_blackout(uows, built.provider_id, FIRST_SATURDAY)
    async with uows() as uow:
        provider = await uow.session.get(Provider, built.provider_id)
        assert provider is not None
        provider.description = {"fr": "Photos de mariage", "en": "Wedding photos"}
        provider.photos = ["a.jpg", "b.jpg"]
        await uow.commit()
    return built


async def test_profile_is_what_the_orm_says(
    uows: UnitOfWorkFactory, engine: AsyncEngine, clock: FixedClock
) -> None:
    now = clock.now()
    built = await atlas(uows, now)
    with statements_on(engine) as sent:
        async with uows() as uow:
            profile = await provider_profile(uow.session, built.provider_id, now=now)
    # Provider and cities, services, five for the dates, and its latest reviews (it is rated).
    assert len(selects(sent)) == 8

    async with uows() as uow:
        provider = await uow.session.get(Provider, built.provider_id)
        assert provider is not None
        services = (
            await uow.session.scalars(
                select(Service)
                .where(Service.provider_id == provider.id, Service.active.is_(True))
                .order_by(Service.price_minor, Service.id)
            )
        ).all()
        dates = await upcoming_free_dates(uow.session, services[0], now=now, count=5)
        orm = (provider.id, provider.name, [(s.id, s.title) for s in services])

    assert profile is not None
    assert (profile.id, profile.slug, profile.name) == (orm[0], "atlas", orm[1])
    assert profile.description == {"fr": "Photos de mariage", "en": "Wedding photos"}
    assert (profile.rating_x100, profile.rating_count) == (460, 12)
    assert profile.reviews == ()  # rated by hand here: no review rows behind the figures
    assert profile.languages == ("fr", "en")
    assert profile.photos == ("a.jpg", "b.jpg")
    assert profile.cities == ("agadir", "fes", "rabat")
    ids = built.service_ids
    assert [s.id for s in profile.services] == [ids[1], ids[2], ids[0]]
    assert [(s.id, s.title) for s in profile.services] == orm[2]
    first = profile.services[0]
    assert (first.price_minor, first.currency, first.pricing_model) == (300_000, "MAD", "per_guest")
    # Weekends from the first Saturday, which is blacked out.
    assert profile.free_dates == tuple(dates)
    assert profile.free_dates == (
        date(2026, 5, 10),
        date(2026, 5, 16),
        date(2026, 5, 17),
        date(2026, 5, 23),
        date(2026, 5, 24),
    )


async def test_profile_is_read_only(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    built = await atlas(uows, clock.now())
    async with uows() as uow:
        profile = await provider_profile(uow.session, built.provider_id, now=clock.now())
        assert profile is not None
        provider = await uow.session.get(Provider, built.provider_id)
        assert provider is not None
        provider.name["fr"] = "changed in the session"  # the snapshot holds a copy
    assert profile.name["fr"] == "atlas"
    with pytest.raises(TypeError):
        profile.name["fr"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        profile.services[0].title["fr"] = "x"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.slug = "x"  # type: ignore[misc]


@pytest.mark.parametrize("status", ["pending", "suspended"])
async def test_no_profile_for_inactive_provider(
    uows: UnitOfWorkFactory, clock: FixedClock, status: str
) -> None:
    built = await add_provider(uows, clock.now(), "sleepy", status=status)
    async with uows() as uow:
        assert await provider_profile(uow.session, built.provider_id, now=clock.now()) is None


async def test_no_profile_for_missing_provider(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    async with uows() as uow:
        assert await provider_profile(uow.session, 424242, now=clock.now()) is None


async def test_profile_without_services_or_cities(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    built = await add_provider(
        uows, clock.now(), "idle", services=[ServiceSpec(active=False)], cities=[]
    )
    async with uows() as uow:
        profile = await provider_profile(uow.session, built.provider_id, now=clock.now())
    assert isinstance(profile, ProviderProfile)
    assert (profile.services, profile.cities, profile.free_dates) == ((), (), ())


async def test_session_reads_see_the_transactions_own_writes(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    built = await atlas(uows, now)
    async with uows() as uow:
        reads = SessionReads(uow)
        service = await uow.session.get(Service, built.service_ids[0])
        assert service is not None
        service.price_minor = 100_000  # now the cheapest
        await uow.session.flush()
        profile = await reads.profile(built.provider_id, now=now)
        page = await reads.search(SearchQuery(category="photographer"), now=now)
        await uow.rollback()
    assert profile is not None
    assert profile.services[0].id == built.service_ids[0]
    assert profile.services[0].price_minor == 100_000
    assert page.hits[0].from_price_minor == 100_000


async def test_the_chat_profile_says_whose_free_dates_it_shows(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The profile's dates are its first service's (the cheapest); another service may
    need more notice, and its date question then starts later. With several services the
    line names the service; with one it needs no name."""
    await atlas(uows, clock.now())
    await add_provider(uows, clock.now(), "solo", weekdays=[5, 6])
    fr = translator("fr")
    first_free = fr.date(FIRST_SATURDAY + timedelta(days=1), "medium")  # the 9th is blacked out
    chat = client_chat(uows, clock, key="c:atlas", language="fr")
    await chat.send("/start p-atlas")
    assert fr("Next free dates for {service}: {dates}", service="Service", dates="") in chat.text
    assert first_free in chat.text
    solo = client_chat(uows, clock, key="c:solo", language="fr")
    await solo.send("/start p-solo")
    assert fr("Next free dates: {dates}", dates="") in solo.text
    assert "Prochaines dates libres pour" not in solo.text


async def test_a_profile_found_by_a_search_for_a_day_names_that_day(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Searched for Sunday 10 May: the profile says that date (the form will take it), not
    the next free dates, which would read as if the day were not free."""
    built = await atlas(uows, clock.now())
    fr = translator("fr")
    chat = client_chat(uows, clock, key="c:day", language="fr")
    await chat.send("/start")
    await chat.click("m:find")
    await chat.click("cat:photographer")
    await chat.click("city:rabat")
    await chat.send("10/05/2026")
    await chat.click(f"open:{built.provider_id}")
    sunday = fr.date(date(2026, 5, 10))
    assert fr("Your date: {date}. Choose a service to book it.", date=sunday) in chat.text
    assert fr("Next free dates for {service}: {dates}", service="Service", dates="") not in (
        chat.text
    )
    # Any date: the next free dates, as from a link.
    await chat.click("nav:back")
    await chat.click("flt:date")
    await chat.click("day:any")
    await chat.click(f"open:{built.provider_id}")
    assert fr("Next free dates for {service}: {dates}", service="Service", dates="") in chat.text


async def test_the_chat_profile_says_what_each_service_includes(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A service's own description under its price (the client was asked to book
    "Prestige menu" without reading what it is); a long one shortened at a word."""
    built = await atlas(uows, clock.now())
    about = "Deux photographes, album de 40 pages, galerie en ligne. " * 5
    async with uows() as uow:
        service = await uow.session.get(Service, built.service_ids[0])
        assert service is not None
        service.description = {"fr": about, "en": "Two photographers"}
        await uow.commit()
    chat = client_chat(uows, clock, key="c:about", language="fr")
    await chat.send("/start p-atlas")
    shown = [line for line in chat.text.splitlines() if "Deux photographes" in line]
    assert len(shown) == 1 and shown[0].startswith("  Deux photographes, album")
    assert shown[0].endswith("…") and len(shown[0].strip()) <= 160
