"""Answers kept in memory by key for a while; a miss is read once however many ask."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class KeyedCache:
    """At most ``max_entries`` answers, each for ``ttl_seconds``; the oldest goes first.

    Callers waiting for the same key share one read. ``invalidate`` drops every answer,
    and a read begun before it is handed to its waiters but not kept.

    An answer may carry a tag (a provider's id: its profile depends on that provider
    alone); ``invalidate(tags)`` drops the answers with one of those tags and the untagged
    ones (a search page depends on every provider), and leaves the others.
    """

    def __init__(self, *, ttl_seconds: float, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._ttl = ttl_seconds
        self._max = max_entries
        # key -> (expiry, value, tag)
        self._entries: dict[Hashable, tuple[float, object, Hashable]] = {}
        self._inflight: dict[Hashable, tuple[asyncio.Task[Any], Hashable]] = {}
        # Bumped by every invalidate(); a read remembers it to know, once done, whether an
        # invalidation since concerned its answer (then handed to its waiters, not kept).
        self._generation = 0
        self._all_dropped = 0  # the generation of the last invalidate() of everything
        self._tag_dropped: dict[Hashable, int] = {}  # tag -> generation it was last dropped

    def __len__(self) -> int:
        return len(self._entries)

    def invalidate(self, tags: Collection[Hashable] | None = None) -> None:
        """Drop every answer, or those tagged with one of ``tags`` and the untagged ones."""
        self._generation += 1
        if tags is None or len(self._tag_dropped) + len(tags) > 4 * self._max:
            self._all_dropped = self._generation  # the tags' record is bounded: start over
            self._tag_dropped.clear()
            self._entries.clear()
            self._inflight.clear()  # waiters keep their read; new callers start a fresh one
            return
        for tag in tags:
            self._tag_dropped[tag] = self._generation
        for store in (self._entries, self._inflight):
            for key in [k for k, held in store.items() if held[-1] is None or held[-1] in tags]:
                del store[key]

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]], tag: Hashable = None) -> T:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return cast(T, entry[1])
        inflight = self._inflight.get(key)
        if inflight is None:
            task = asyncio.create_task(self._read(key, read, tag))
            # A read whose waiters were all cancelled must not log "never retrieved".
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._inflight[key] = (task, tag)
        else:
            task = inflight[0]
        # Shielded: one waiter cancelled must not cancel the read the others wait for.
        return cast(T, await asyncio.shield(task))

    async def _read(self, key: Hashable, read: Callable[[], Awaitable[T]], tag: Hashable) -> T:
        generation = self._generation
        try:
            value = await read()
        finally:
            inflight = self._inflight.get(key)
            if inflight is not None and inflight[0] is asyncio.current_task():
                del self._inflight[key]
        if not self._dropped_since(generation, tag):
            self._store(key, value, tag)
        return value

    def _dropped_since(self, generation: int, tag: Hashable) -> bool:
        if tag is None:  # untagged: every invalidation concerns it
            return self._generation != generation
        return self._all_dropped > generation or self._tag_dropped.get(tag, -1) > generation

    def _store(self, key: Hashable, value: object, tag: Hashable) -> None:
        self._entries.pop(key, None)  # re-inserted last: dicts keep insertion order
        while len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (time.monotonic() + self._ttl, value, tag)
