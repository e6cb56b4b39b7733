"""Users played through the fake Bot API, as far as the tests need them to go."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from tests.fakes import FakeUser
from tests.reliability.world import World

T = TypeVar("T")


async def to_summary(w: World, user: FakeUser, day: str, phone: str) -> None:
    """From the site's deep link to the booking form's summary, for ``day`` ("14 June")."""
    await w.say(user, f"/start p-{w.provider.slug}")
    await w.tap(user, f"book:{w.provider.service_id}")
    await w.tap(user, "evt:wedding")
    await w.say(user, day)
    await w.tap(user, "gst:100")
    await w.tap(user, "city:rabat")
    await w.say(user, "Salle Al Amal")
    await w.say(user, "-")
    await w.say(user, phone)
    await w.tap(user, "skip")  # no email
    w.message_with(user, "confirm")  # the summary offers it


async def connect_provider(w: World, owner: FakeUser) -> None:
    """The provider links the provider bot to their account by sharing its phone."""
    await w.say(owner, "/start", bot="provider")
    await w.share(owner, w.provider.phone.lstrip("+"), bot="provider")


async def at_most(limit: int, jobs: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run ``jobs`` with at most ``limit`` under way at once; results in ``jobs``' order."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    return list(await asyncio.gather(*(one(job) for job in jobs)))


def shuffled(items: list[T], seed: int) -> list[T]:
    copy = list(items)
    random.Random(seed).shuffle(copy)
    return copy


def callback_data_of(markup: Any) -> list[str]:
    """The callback data of a sent message's inline keyboard (``reply_markup`` as the fake
    recorded it: aiogram sends it as a JSON string), in order."""
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = (markup or {}).get("inline_keyboard") or []
    return [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]
