"""The reads a step may do without a transaction: search and provider profile (cached),
and the user's own bookings (never cached: they must be exact).

``SessionReads`` reads in the update's own unit of work (inside a transaction: no cache, it
sees the transaction's writes). ``CachedReads`` answers from memory, keyed by the
question and the minute, and reads through a short-lived read-only session of its own on
a miss (core/catalog/reads.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast

from core.booking.client_lines import ClientBookingLine, client_booking_lines
from core.booking.queries import BookingLine, client_bookings, recent_client_bookings
from core.catalog.provider_profile import ProviderProfile
from core.catalog.reads import (
    CATALOG_TABLES,
    CatalogQuery,
    SessionFactory,
    ask_read_only,
    profile_in,
    profile_read_only,
    search_in,
    search_read_only,
)
from core.catalog.search import SearchPage, SearchQuery
from core.uow import Committed, UnitOfWork

T = TypeVar("T")
__all__ = ["CATALOG_TABLES", "CachedReads", "Reads", "SessionReads"]


class Reads(Protocol):
    async def search(self, query: SearchQuery, *, now: datetime) -> SearchPage: ...

    async def profile(self, provider_id: int, *, now: datetime) -> ProviderProfile | None: ...

    async def bookings_of_client(self, client_id: int, *, limit: int) -> list[BookingLine]: ...

    async def recent_bookings_of_client(
        self, client_id: int, *, limit: int
    ) -> list[BookingLine]: ...

    async def client_booking_lines(
        self, client_id: int, *, limit: int
    ) -> list[ClientBookingLine]: ...


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

    async def recent_bookings_of_client(self, client_id: int, *, limit: int) -> list[BookingLine]:
        return await recent_client_bookings(self.uow.session, client_id, limit=limit)

    async def client_booking_lines(self, client_id: int, *, limit: int) -> list[ClientBookingLine]:
        return await client_booking_lines(self.uow.session, client_id, limit=limit)


class CachedReads:
    """Reads from an in-process cache shared by all chats; misses read once per key.

    Answers may be up to ``ttl_seconds`` old (writes by other processes); hook
    ``on_commit`` to this process's commits so its own writes show at once. Misses
    read on a read-only session: on SQLite it does not wait for the write lock.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        ttl_seconds: float = 30.0,
        max_entries: int = 2048,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._factory = session_factory
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[Hashable, tuple[float, object]] = {}  # key -> (expiry, value)
        self._inflight: dict[Hashable, asyncio.Task[Any]] = {}
        self._generation = 0  # bumped by invalidate(): reads begun before are not kept

    async def search(self, query: SearchQuery, *, now: datetime) -> SearchPage:
        minute = _minute(now)
        page = await self._get(
            ("search", query, minute),
            lambda: search_read_only(self._factory, query, now=minute),
        )
        # Hits are frozen but hold a list and dicts: callers get their own copies.
        return replace(page, hits=[replace(h, name=dict(h.name)) for h in page.hits])

    async def profile(self, provider_id: int, *, now: datetime) -> ProviderProfile | None:
        minute = _minute(now)
        return await self._get(  # read-only all the way down: shared as is
            ("profile", provider_id, minute),
            lambda: profile_read_only(self._factory, provider_id, now=minute),
        )

    async def bookings_of_client(self, client_id: int, *, limit: int) -> list[BookingLine]:
        """Read each time: a booking changes with its provider's answer, in any process."""
        return await ask_read_only(
            self._factory, lambda session: client_bookings(session, client_id, limit=limit)
        )

    async def recent_bookings_of_client(self, client_id: int, *, limit: int) -> list[BookingLine]:
        return await ask_read_only(
            self._factory,
            lambda session: recent_client_bookings(session, client_id, limit=limit),
        )

    async def client_booking_lines(self, client_id: int, *, limit: int) -> list[ClientBookingLine]:
        """Read each time, as the other lists of the user's own bookings."""
        return await ask_read_only(
            self._factory,
            lambda session: client_booking_lines(session, client_id, limit=limit),
        )

    async def cached(self, key: Hashable, read: CatalogQuery[T]) -> T:
        """Another read-only catalog question (the site's pages), cached and invalidated
        like the two above; ``key`` names the question, ``read`` must not change anything
        and its answer is shared by every caller as is."""
        return await self._get(key, lambda: ask_read_only(self._factory, read))

    def invalidate(self) -> None:
        self._entries.clear()
        self._inflight.clear()  # waiters keep their read; new callers start a fresh one
        self._generation += 1

    def on_commit(self, committed: Committed) -> None:
        if not CATALOG_TABLES.isdisjoint(committed.tables):
            self.invalidate()

    async def _get(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return cast(T, entry[1])
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._read(key, read))
            # A read whose waiters were all cancelled must not log "never retrieved".
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._inflight[key] = task
        # Shielded: one waiter cancelled must not cancel the read the others wait for.
        return cast(T, await asyncio.shield(task))

    async def _read(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        generation = self._generation
        try:
            value = await read()
        finally:
            if self._inflight.get(key) is asyncio.current_task():
                del self._inflight[key]
        if generation == self._generation:
            self._store(key, value)
        return value

    def _store(self, key: Hashable, value: object) -> None:
        self._entries.pop(key, None)  # re-inserted last: dicts keep insertion order
        while len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (time.monotonic() + self._ttl, value)


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)
