"""The reads a step may do without a transaction: search and provider profile (cached),
the booking form's service, provider and cities (cached) and the free days and times it
offers (cached for the minute), and what must be exact: the user's own bookings,
whether the day chosen can be booked, and the provider bot's home and request cards
(read each time); and whose provider connected a calendar (cached: asked before every
Accept, to know whether there is a feed to fetch first, dialogs/framework/fetching.py).

``SessionReads`` reads in the update's own unit of work (inside a transaction: no cache, it
sees the transaction's writes). ``CachedReads`` answers from memory, keyed by the
question and the minute, and reads through a short-lived read-only session of its own on
a miss (core/catalog/reads.py).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from datetime import date, datetime, time
from typing import Protocol, TypeVar

from core.booking.availability import ProviderCalendar
from core.booking.availability_query import (
    check_day,
    free_times,
    kept_calendar_span,
    upcoming_free_dates,
)
from core.booking.calendar_data import provider_calendar
from core.booking.client_lines import ClientBookingLine, client_booking_lines
from core.booking.provider_answer import AnsweredBooking, provider_booking
from core.booking.provider_home import (
    ProviderHome,
    RequestCard,
    provider_home,
    read_request_card,
)
from core.booking.queries import BookingLine, client_bookings
from core.calendar_sync.prefetch import CALENDAR_OWNER_TABLES, calendar_owners
from core.catalog import queries as offer
from core.catalog.provider_profile import ProviderProfile
from core.catalog.reads import (
    CALENDAR_TABLES,
    CATALOG_TABLES,
    OFFER_TABLES,
    CatalogQuery,
    SessionFactory,
    ask_read_only,
    profile_in,
    profile_read_only,
    search_in,
    search_read_only,
)
from core.catalog.search import SearchPage, SearchQuery
from core.catalog.vocabulary import MARKET_TZ
from core.rows import Provider, Service
from core.support.about_booking import named_booking, recent_bookings
from core.uow import Committed, UnitOfWork
from dialogs.framework.keyed_cache import KeyedCache

T = TypeVar("T")
__all__ = ["CATALOG_TABLES", "OFFER_TABLES", "CachedReads", "Reads", "SessionReads"]


class Reads(Protocol):
    async def search(self, query: SearchQuery, *, now: datetime) -> SearchPage: ...

    async def profile(self, provider_id: int, *, now: datetime) -> ProviderProfile | None: ...

    async def bookings_of_client(self, client_id: int, *, limit: int) -> list[BookingLine]: ...

    async def recent_bookings(
        self, user_id: int, *, audience: str, limit: int
    ) -> list[BookingLine]: ...

    async def client_booking_lines(
        self, client_id: int, *, limit: int
    ) -> list[ClientBookingLine]: ...

    async def booking_named(self, user_id: int, *, audience: str, text: str) -> int | None: ...

    # The booking form's questions. A service or provider read outside a transaction may be
    # a few seconds old (another process's edit): the request re-reads both, locked.
    async def service(self, service_id: int) -> Service | None: ...

    async def active_provider(self, provider_id: int | None) -> Provider | None: ...

    async def provider_by_slug(self, slug: str) -> Provider | None: ...

    async def active_services(self, provider_id: int) -> list[Service]: ...

    async def provider_cities(self, provider_id: int) -> list[str]: ...

    # Exact at the moment asked, on both paths: SlotUnavailable says why not.
    async def check_bookable(
        self,
        service: Service,
        day: date,
        start: time | None,
        *,
        now: datetime,
        max_days_ahead: int,
        minutes: int | None,
    ) -> None: ...

    async def free_times(
        self, service: Service, day: date, *, now: datetime, minutes: int | None
    ) -> list[time]: ...

    async def free_dates(self, service: Service, *, now: datetime, count: int) -> list[date]: ...

    # The provider bot's home and a request's card: exact, read each time on both paths.
    async def provider_home(self, owner_id: int | None, *, limit: int) -> ProviderHome | None: ...

    # The users whose provider connected a calendar: whether a step has a feed to fetch
    # before its transaction (dialogs/framework/fetching.py).
    async def calendar_owners(self) -> frozenset[int]: ...

    async def request_card(self, owner_id: int, booking_id: int) -> RequestCard: ...

    # The booking a provider answers (Accept, Mark as delivered), read exactly.
    async def provider_booking(self, owner_id: int, booking_id: int) -> AnsweredBooking: ...


class SessionReads:
    """Reads in the update's unit of work, uncached: for steps run inside a transaction."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def search(self, query: SearchQuery, *, now: datetime) -> SearchPage:
        return await search_in(self.uow, query, now=now)

    async def profile(self, provider_id: int, *, now: datetime) -> ProviderProfile | None:
        return await profile_in(self.uow, provider_id, now=now)

    async def bookings_of_client(self, client_id: int, *, limit: int) -> list[BookingLine]:
        return await client_bookings(self.uow.session, client_id, limit=limit)

    async def recent_bookings(
        self, user_id: int, *, audience: str, limit: int
    ) -> list[BookingLine]:
        return await recent_bookings(self.uow.session, audience, user_id, limit=limit)

    async def client_booking_lines(self, client_id: int, *, limit: int) -> list[ClientBookingLine]:
        return await client_booking_lines(self.uow.session, client_id, limit=limit)

    async def booking_named(self, user_id: int, *, audience: str, text: str) -> int | None:
        return await named_booking(self.uow.session, audience, user_id, text)

    async def service(self, service_id: int) -> Service | None:
        return await offer.service_by_id(self.uow.session, service_id)

    async def active_provider(self, provider_id: int | None) -> Provider | None:
        return await offer.active_provider(self.uow.session, provider_id)

    async def provider_by_slug(self, slug: str) -> Provider | None:
        return await offer.active_provider_by_slug(self.uow.session, slug)

    async def active_services(self, provider_id: int) -> list[Service]:
        return await offer.active_services(self.uow.session, provider_id)

    async def provider_cities(self, provider_id: int) -> list[str]:
        return await offer.provider_cities(self.uow.session, provider_id)

    async def check_bookable(
        self,
        service: Service,
        day: date,
        start: time | None,
        *,
        now: datetime,
        max_days_ahead: int,
        minutes: int | None,
    ) -> None:
        await check_day(
            self.uow.session,
            service,
            day,
            start,
            now=now,
            max_days_ahead=max_days_ahead,
            minutes=minutes,
        )

    async def free_times(
        self, service: Service, day: date, *, now: datetime, minutes: int | None
    ) -> list[time]:
        return await free_times(self.uow.session, service, day, now=now, minutes=minutes)

    async def free_dates(self, service: Service, *, now: datetime, count: int) -> list[date]:
        return await upcoming_free_dates(self.uow.session, service, now=now, count=count)

    async def provider_home(self, owner_id: int | None, *, limit: int) -> ProviderHome | None:
        return await provider_home(self.uow.session, owner_id, limit=limit)

    async def request_card(self, owner_id: int, booking_id: int) -> RequestCard:
        return await read_request_card(self.uow.session, owner_id, booking_id)

    async def provider_booking(self, owner_id: int, booking_id: int) -> AnsweredBooking:
        return await provider_booking(self.uow.session, owner_id, booking_id)

    async def calendar_owners(self) -> frozenset[int]:
        return await calendar_owners(self.uow.session)


class CachedReads:
    """Reads from an in-process cache shared by all chats; misses read once per key.

    Answers may be up to ``ttl_seconds`` old (writes by other processes); hook
    ``on_commit`` to this process's commits so its own writes show at once. Misses
    read on a read-only session: on SQLite it does not wait for the write lock.
    Search pages change with every booking, a profile and its free days with their
    provider's (tagged with it: a booking elsewhere keeps them); the form's rows (a
    service, a provider, its cities) only with a provider's edits, so they are kept apart.
    So are the providers' calendars (hours, days off, imported busy time): a booking does
    not change them, and the free days and the day a client chose are worked out from a
    kept calendar and the seats and bookings read at the time. Whose provider connected a
    calendar is one set, dropped by a commit to ``calendar_imports`` or ``providers``.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        ttl_seconds: float = 30.0,
        max_entries: int = 2048,
    ) -> None:
        self._factory = session_factory
        self._answers = KeyedCache(ttl_seconds=ttl_seconds, max_entries=max_entries)
        self._offers = KeyedCache(ttl_seconds=ttl_seconds, max_entries=max_entries)
        # A calendar holds months of busy time: fewer of them.
        self._calendars = KeyedCache(ttl_seconds=ttl_seconds, max_entries=max(1, max_entries // 4))
        # Whose provider connected a calendar (most did not): asked before every Accept,
        # and dropped by this process's commits to calendar_imports. Another process's
        # change shows within the time to live: a calendar connected there was read then,
        # and one disconnected there is not stored by the step (it checks).
        self._calendar_owners = KeyedCache(ttl_seconds=ttl_seconds, max_entries=1)

    async def search(self, query: SearchQuery, *, now: datetime) -> SearchPage:
        minute = _minute(now)
        page = await self._answers.get(
            ("search", query, minute),
            lambda: search_read_only(self._factory, query, now=minute),
        )
        # Hits are frozen but hold a list and dicts: callers get their own copies.
        return replace(page, hits=[replace(h, name=dict(h.name)) for h in page.hits])

    async def profile(self, provider_id: int, *, now: datetime) -> ProviderProfile | None:
        minute = _minute(now)

        async def read() -> ProviderProfile | None:
            calendar = await self._calendar(provider_id, minute)
            return await profile_read_only(
                self._factory, provider_id, now=minute, calendar=calendar
            )

        return await self._answers.get(  # read-only all the way down: shared as is
            ("profile", provider_id, minute),
            read,
            tag=provider_id,  # its rows, bookings and reviews are its provider's alone
        )

    async def bookings_of_client(self, client_id: int, *, limit: int) -> list[BookingLine]:
        """Read each time: a booking changes with its provider's answer, in any process."""
        return await ask_read_only(
            self._factory, lambda session: client_bookings(session, client_id, limit=limit)
        )

    async def booking_named(self, user_id: int, *, audience: str, text: str) -> int | None:
        """The user's own booking whose reference ``text`` names, read each time."""
        return await ask_read_only(
            self._factory, lambda session: named_booking(session, audience, user_id, text)
        )

    async def recent_bookings(
        self, user_id: int, *, audience: str, limit: int
    ) -> list[BookingLine]:
        """Read each time, as the other lists of the user's own bookings."""
        return await ask_read_only(
            self._factory,
            lambda session: recent_bookings(session, audience, user_id, limit=limit),
        )

    async def client_booking_lines(self, client_id: int, *, limit: int) -> list[ClientBookingLine]:
        """Read each time, as the other lists of the user's own bookings."""
        return await ask_read_only(
            self._factory,
            lambda session: client_booking_lines(session, client_id, limit=limit),
        )

    # The form's rows are ORM objects read on a session that is then closed: detached, with
    # their columns loaded, shared by every chat. Steps only read their columns.
    async def service(self, service_id: int) -> Service | None:
        return await self._offer(
            ("service", service_id), lambda s: offer.service_by_id(s, service_id)
        )

    async def active_provider(self, provider_id: int | None) -> Provider | None:
        if not provider_id:
            return None
        return await self._offer(
            ("provider", provider_id), lambda s: offer.active_provider(s, provider_id)
        )

    async def provider_by_slug(self, slug: str) -> Provider | None:
        """The active provider a deep link names (links come again and again)."""
        return await self._offer(("slug", slug), lambda s: offer.active_provider_by_slug(s, slug))

    async def active_services(self, provider_id: int) -> list[Service]:
        found = await self._offer(
            ("services", provider_id), lambda s: offer.active_services(s, provider_id)
        )
        return list(found)  # the caller's own list

    async def provider_cities(self, provider_id: int) -> list[str]:
        found = await self._offer(
            ("cities", provider_id), lambda s: offer.provider_cities(s, provider_id)
        )
        return list(found)

    async def check_bookable(
        self,
        service: Service,
        day: date,
        start: time | None,
        *,
        now: datetime,
        max_days_ahead: int,
        minutes: int | None,
    ) -> None:
        """The seats and bookings read each time: a seat taken a moment ago is taken. The
        calendar may be as old as the cache's answers; the request reads it again."""
        calendar = await self._calendar(service.provider_id, now)
        await ask_read_only(
            self._factory,
            lambda session: check_day(
                session,
                service,
                day,
                start,
                now=now,
                max_days_ahead=max_days_ahead,
                minutes=minutes,
                calendar=calendar,
            ),
        )

    # The free times and dates a question offers as buttons: kept like the profile's free
    # dates (a booking made in this process drops them); the one chosen is checked exactly.
    async def free_times(
        self, service: Service, day: date, *, now: datetime, minutes: int | None
    ) -> list[time]:
        minute = _minute(now)

        async def read() -> list[time]:
            calendar = await self._calendar(service.provider_id, minute)
            return await ask_read_only(
                self._factory,
                lambda session: free_times(
                    session, service, day, now=minute, minutes=minutes, calendar=calendar
                ),
            )

        found = await self._answers.get(
            ("free_times", service.id, day, minutes, minute), read, tag=service.provider_id
        )
        return list(found)

    async def free_dates(self, service: Service, *, now: datetime, count: int) -> list[date]:
        minute = _minute(now)

        async def read() -> list[date]:
            calendar = await self._calendar(service.provider_id, minute)
            return await ask_read_only(
                self._factory,
                lambda session: upcoming_free_dates(
                    session, service, now=minute, count=count, calendar=calendar
                ),
            )

        found = await self._answers.get(
            ("free_dates", service.id, count, minute), read, tag=service.provider_id
        )
        return list(found)

    async def provider_home(self, owner_id: int | None, *, limit: int) -> ProviderHome | None:
        """Read each time, like the client's bookings: a request comes, a deposit is paid."""
        return await ask_read_only(
            self._factory, lambda session: provider_home(session, owner_id, limit=limit)
        )

    async def request_card(self, owner_id: int, booking_id: int) -> RequestCard:
        return await ask_read_only(
            self._factory, lambda session: read_request_card(session, owner_id, booking_id)
        )

    async def provider_booking(self, owner_id: int, booking_id: int) -> AnsweredBooking:
        return await ask_read_only(
            self._factory, lambda session: provider_booking(session, owner_id, booking_id)
        )

    async def calendar_owners(self) -> frozenset[int]:
        return await self._calendar_owners.get(
            "calendar_owners", lambda: ask_read_only(self._factory, calendar_owners)
        )

    async def cached(self, key: Hashable, read: CatalogQuery[T]) -> T:
        """Another read-only catalog question (the site's pages), cached and invalidated
        like search and profile; ``key`` names the question, ``read`` must not change
        anything and its answer is shared by every caller as is."""
        return await self._answers.get(key, lambda: ask_read_only(self._factory, read))

    def invalidate(self) -> None:
        self._answers.invalidate()
        self._offers.invalidate()
        self._calendars.invalidate()
        self._calendar_owners.invalidate()

    def on_commit(self, committed: Committed) -> None:
        written = CATALOG_TABLES & committed.tables
        if written:
            # A booking at one provider leaves the other providers' profiles and free days
            # in memory; search pages and the site's pages (untagged) go every time.
            self._answers.invalidate(committed.providers_of(written))
        if not OFFER_TABLES.isdisjoint(committed.tables):
            self._offers.invalidate()
        calendar_written = CALENDAR_TABLES & committed.tables
        if calendar_written:
            self._calendars.invalidate(committed.providers_of(calendar_written))
        if CALENDAR_OWNER_TABLES & committed.tables:
            self._calendar_owners.invalidate()

    async def _calendar(self, provider_id: int, now: datetime) -> ProviderCalendar | None:
        """The provider's calendar kept for the market's day (None: no such provider,
        the question then reads it and says so)."""
        today = now.astimezone(MARKET_TZ).date()
        first, last = kept_calendar_span(today)
        return await self._calendars.get(
            ("calendar", provider_id, today),
            lambda: ask_read_only(
                self._factory, lambda s: provider_calendar(s, provider_id, first, last)
            ),
            tag=provider_id,
        )

    async def _offer(self, key: Hashable, read: CatalogQuery[T]) -> T:
        return await self._offers.get(key, lambda: ask_read_only(self._factory, read))


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)
