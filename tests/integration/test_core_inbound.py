"""Core services against real SQLite and PostgreSQL: inbound events are claimed exactly
once, and conversations keep their state."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.conversations.saved_state import load_conversation, save_state
from core.db.tables import Conversation
from core.inbound import claim_event
from core.uow import UnitOfWorkFactory

# --- Inbound events: exactly once ------------------------------------------------------


async def test_claim_event_once(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    async with uows() as uow:
        assert await claim_event(uow, "telegram_client", "1001", now=now) is True
        assert await claim_event(uow, "telegram_client", "1001", now=now) is False  # same tx
        await uow.commit()
    async with uows() as uow:
        assert await claim_event(uow, "telegram_client", "1001", now=now) is False
        # Other sources and other ids are other events.
        assert await claim_event(uow, "telegram_provider", "1001", now=now) is True
        assert await claim_event(uow, "telegram_client", "1002", now=now) is True
        await uow.commit()


async def test_claim_rolls_back_with_its_transaction(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    async with uows() as uow:
        assert await claim_event(uow, "stripe", "evt_1", now=now) is True
        # The effect failed: no commit, so the claim goes too and a retry is handled.
    async with uows() as uow:
        assert await claim_event(uow, "stripe", "evt_1", now=now) is True
        await uow.rollback()
    async with uows() as uow:
        assert await claim_event(uow, "stripe", "evt_1", now=now) is True
        await uow.commit()
    async with uows() as uow:
        assert await claim_event(uow, "stripe", "evt_1", now=now) is False


async def test_concurrent_deliveries_of_one_event(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    async def deliver() -> bool:
        async with uows() as uow:
            claimed = await claim_event(uow, "twilio", "SM123", now=clock.now())
            await asyncio.sleep(0.05)  # the effect takes a while; the other copy arrives
            await uow.commit()
            return claimed

    results = await asyncio.gather(*(deliver() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]


# --- Conversations ---------------------------------------------------------------------


async def test_conversation_round_trip(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now, later = clock.now(), clock.now() + timedelta(minutes=5)
    state = {"flow": "book", "step": "date", "data": {"guests": 120, "tags": ("a", "b")}}
    async with uows() as uow:
        row = await load_conversation(uow, "telegram_client", "42", now=now)
        assert (row.state, row.version) == ({}, 0)
        await save_state(uow, row, state, now=later)
        await uow.commit()
    async with uows() as uow:
        row = await load_conversation(uow, "telegram_client", "42", now=now)
        # Stored through JSON: the tuple comes back as a list, like from any real store.
        assert row.state == {
            "flow": "book",
            "step": "date",
            "data": {"guests": 120, "tags": ["a", "b"]},
        }
        assert (row.version, row.updated_at) == (1, later)
        with pytest.raises(TypeError):
            await save_state(uow, row, {"when": now}, now=later)  # not JSON: refused now, not later
        assert row.version == 1
        other = await load_conversation(uow, "whatsapp", "42", now=now)
        assert other.id != row.id
        assert other.state == {}


async def test_concurrent_first_messages_share_one_conversation(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    async def first_message(n: int) -> int:
        async with uows() as uow:
            row = await load_conversation(uow, "sandbox", "chat-1", now=clock.now())
            await asyncio.sleep(0.02)
            await save_state(uow, row, {"n": n}, now=clock.now())
            await uow.commit()
            return row.id

    ids = await asyncio.gather(*(first_message(n) for n in range(3)))
    assert len(set(ids)) == 1
    async with uows() as uow:
        rows = (await uow.session.scalars(select(Conversation))).all()
        assert [r.version for r in rows] == [3]  # each update saw the one before
