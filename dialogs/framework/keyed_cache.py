"""Answers kept in memory by key for a while; a miss is read once however many ask."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class KeyedCache:
    """At most ``max_entries`` answers, each for ``ttl_seconds``; the oldest goes first.

    Callers waiting for the same key share one read. ``invalidate`` drops every answer,
    and a read begun before it is handed to its waiters but not kept.
    """

    def __init__(self, *, ttl_seconds: float, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[Hashable, tuple[float, object]] = {}  # key -> (expiry, value)
        self._inflight: dict[Hashable, asyncio.Task[Any]] = {}
        self._generation = 0  # bumped by invalidate(): reads begun before are not kept

    def __len__(self) -> int:
        return len(self._entries)

    def invalidate(self) -> None:
        self._entries.clear()
        self._inflight.clear()  # waiters keep their read; new callers start a fresh one
        self._generation += 1

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
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
