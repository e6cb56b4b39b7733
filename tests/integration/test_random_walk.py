"""Every screen's buttons pressed at random, their labels typed, and common words typed,
through both bots.

A step that fails, or that moves where its flow's diagram draws no arrow (an error in the
test run, only a warning in production), answers with an apology, which the chat harness
refuses. Found this way first by hand (2026-12-06): the provider home's Language had no
arrow, and no test had pressed it. Seeded: a failure names its seed and replays exactly.
``MOUNASABET_RANDOM_WALKS`` sets how many walks per bot (default 8).
"""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.booking.states import BookingState
from core.clock import FixedClock
from core.uow import UnitOfWorkFactory
from tests.support.bookings import S, drive_to, request
from tests.support.chat import Chat, client_chat, sqlite_uows
from tests.support.factories import make_provider, make_user
from tests.support.provider_dashboard import linked

WALKS = int(os.environ.get("MOUNASABET_RANDOM_WALKS", "8"))
STEPS = 60
TYPED = (
    "bonjour",
    "photographe à Rabat le 14 juin pour 150 invités",
    "un DJ à Fès",
    "14/06/2026",
    "21 juin",
    "150",
    "4500",
    "16h-20h",
    "Salle Al Amal, Agdal",
    "Samira Alaoui",
    "0612345678",
    "name@example.com",
    "شحال الثمن؟",
    "بغيت نلغي",
    "بدون",
    "نعم",
    "لا",
    "تم",
    "qwxz",
    "2",
    "retour",
    "/start",
    "/help",
    "/mybookings",
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "walk.db") as uows:
        yield uows


async def seeded(db: UnitOfWorkFactory, clock: FixedClock) -> tuple[int, int]:
    """A provider, and a client with bookings in several states (so every list and card
    has something on it): the provider's owner and the client."""
    owner, _, service_id = await make_provider(db, clock.now())
    await make_provider(db, clock.now(), slug="dj-fes", category="dj", city="fes")
    client = await make_user(db, clock.now())
    day = clock.now().date() + timedelta(days=30)
    targets: list[BookingState] = [S.REQUESTED, S.ACCEPTED, S.CONFIRMED, S.CANCELLED]
    for n, target in enumerate(targets):
        booking_id = await request(db, clock.now(), client, service_id, day + timedelta(n))
        if target != S.REQUESTED:
            await drive_to(db, booking_id, target, owner=owner, now=clock.now())
    return owner, client


async def walk(chat: Chat, rng: random.Random) -> None:
    """Mostly a button pressed; else a button's label typed, as on WhatsApp; else words."""
    await chat.send("/start")
    for _ in range(STEPS):
        buttons = [b for b in chat.last.all_buttons() if not b.url]
        draw = rng.random()
        if buttons and draw < 0.6:
            await chat.press(rng.choice(buttons).payload)
        elif buttons and draw < 0.75:
            await chat.send(rng.choice(buttons).label)
        else:
            await chat.send(rng.choice(TYPED))


@pytest.mark.parametrize("seed", range(WALKS))
async def test_a_client_walks_at_random(
    db: UnitOfWorkFactory, clock: FixedClock, seed: int
) -> None:
    await seeded(db, clock)
    await walk(client_chat(db, clock, key=f"c:walk{seed}", language="fr"), random.Random(seed))


@pytest.mark.parametrize("seed", range(WALKS))
async def test_a_provider_walks_at_random(
    db: UnitOfWorkFactory, clock: FixedClock, seed: int
) -> None:
    owner, _ = await seeded(db, clock)
    provider = await linked(db, clock, owner, f"p:walk{seed}")
    await walk(provider, random.Random(seed))
