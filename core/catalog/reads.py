"""The catalog questions a chat asks most (search, a provider's profile), on the update's
unit of work or on a read-only session of their own for the dialogs' cache."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.availability import ProviderCalendar
from core.catalog.provider_profile import ProviderProfile, provider_profile
from core.catalog.search import SearchPage, SearchQuery, search_providers
from core.db.engine import read_only
from core.db.tables import (
    Blackout,
    Booking,
    BusyInterval,
    Provider,
    ProviderCity,
    Review,
    Service,
    SlotHold,
    WeeklyRule,
)
from core.uow import UnitOfWork

T = TypeVar("T")
# Makes a session of its own for one read; the cache's misses go through it.
SessionFactory = Callable[[], AsyncSession]
# Any other read-only catalog question (the site's pages ask a few), answered on a session.
CatalogQuery = Callable[[AsyncSession], Awaitable[T]]

# Every table the search or the profile reads (ratings are columns of ``providers``):
# a commit that writes one of them makes cached answers stale.
CATALOG_TABLES = frozenset(
    table.__tablename__
    for table in (
        Provider,
        ProviderCity,
        Service,
        WeeklyRule,
        Blackout,
        BusyInterval,
        Booking,
        SlotHold,
        Review,  # the profile and the site page show the latest reviews
    )
)


# What the booking form keeps of the catalog (a service, its provider, their cities): a
# provider's edit changes it, a booking does not.
OFFER_TABLES = frozenset(table.__tablename__ for table in (Provider, ProviderCity, Service))

# What a provider's calendar is read from (its zone is a column of ``providers``): a
# booking does not change it, the provider's hours, days off and imported busy time do.
CALENDAR_TABLES = frozenset(
    table.__tablename__ for table in (Provider, WeeklyRule, Blackout, BusyInterval)
)


async def search_in(uow: UnitOfWork, query: SearchQuery, *, now: datetime) -> SearchPage:
    """Inside a transaction: sees its own writes."""
    return await search_providers(uow.session, query, now=now)


async def profile_in(uow: UnitOfWork, provider_id: int, *, now: datetime) -> ProviderProfile | None:
    return await provider_profile(uow.session, provider_id, now=now)


async def search_read_only(
    sessions: SessionFactory, query: SearchQuery, *, now: datetime
) -> SearchPage:
    """On a read-only session: on SQLite it does not wait for the write lock."""
    async with sessions() as session:
        return await search_providers(await read_only(session), query, now=now)


async def ask_read_only(sessions: SessionFactory, query: CatalogQuery[T]) -> T:
    async with sessions() as session:
        return await query(await read_only(session))


async def profile_read_only(
    sessions: SessionFactory,
    provider_id: int,
    *,
    now: datetime,
    calendar: ProviderCalendar | None = None,
) -> ProviderProfile | None:
    """``calendar``: the provider's, kept from an earlier read (provider_profile)."""
    async with sessions() as session:
        return await provider_profile(
            await read_only(session), provider_id, now=now, calendar=calendar
        )
