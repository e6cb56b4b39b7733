"""KeyedCache's tags: an answer tagged with a provider is dropped with that provider's
writes (and everything's), an untagged one with any; a read begun before a drop that
concerns it is handed to its waiters but not kept."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from dialogs.framework.keyed_cache import KeyedCache


class Reads:
    def __init__(self) -> None:
        self.made = 0

    def answer(self, value: str) -> Callable[[], Awaitable[str]]:
        async def read() -> str:
            self.made += 1
            return value

        return read


async def test_a_tagged_drop_keeps_the_other_tags() -> None:
    cache, reads = KeyedCache(ttl_seconds=60, max_entries=10), Reads()
    for key, tag in (("a", 1), ("b", 2), ("search", None)):
        await cache.get(key, reads.answer(key), tag=tag)
    assert reads.made == 3
    cache.invalidate({1})
    for key, tag in (("a", 1), ("b", 2), ("search", None)):
        await cache.get(key, reads.answer(key), tag=tag)
    assert reads.made == 5  # "a" and the untagged "search" read again, "b" kept
    cache.invalidate()
    await cache.get("b", reads.answer("b"), tag=2)
    assert reads.made == 6


async def test_a_read_in_flight_is_not_kept_after_a_drop_that_concerns_it() -> None:
    cache, reads = KeyedCache(ttl_seconds=60, max_entries=10), Reads()
    gate = asyncio.Event()
    started = [asyncio.Event(), asyncio.Event()]

    def slow(value: str, under_way: asyncio.Event) -> Callable[[], Awaitable[str]]:
        async def read() -> str:
            reads.made += 1
            under_way.set()
            await gate.wait()
            return value

        return read

    first = asyncio.create_task(cache.get("a", slow("old a", started[0]), tag=1))
    second = asyncio.create_task(cache.get("b", slow("old b", started[1]), tag=2))
    # Both reads under way: a read that starts after the drop reads fresh data anyway.
    await asyncio.gather(*(event.wait() for event in started))
    cache.invalidate({1})
    gate.set()
    assert (await first, await second) == ("old a", "old b")  # waiters get their read
    assert await cache.get("a", reads.answer("new a"), tag=1) == "new a"  # not kept
    assert await cache.get("b", reads.answer("new b"), tag=2) == "old b"  # kept
    assert reads.made == 3


async def test_the_record_of_dropped_tags_stays_bounded() -> None:
    cache, reads = KeyedCache(ttl_seconds=60, max_entries=2), Reads()
    await cache.get("b", reads.answer("b"), tag=2)
    for tag in range(100, 120):
        cache.invalidate({tag})
    assert len(cache._tag_dropped) <= 4 * 2
    await cache.get("b", reads.answer("b"), tag=2)  # over the bound: everything went
    assert reads.made == 2
