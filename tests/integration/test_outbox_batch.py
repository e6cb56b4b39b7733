"""The outbox rows queued in batches are the rows the one-at-a-time paths queue.

The expiry sweep (issue 15) expires a batch of 200 bookings in one transaction and queues
their notices with one INSERT (`enqueue_many`); a booking expired on its own
(`apply_action`) and a message queued on its own (`enqueue`) go through the session, or
at once by a plain INSERT (`enqueue_now`).
Every column is compared, so the two paths cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.states import Action, BookingState
from core.clock import FixedClock
from core.db.tables import Booking, BookingTransition, OutboxMessage, SlotHold
from core.notifications.outbox import Notice, enqueue, enqueue_many, enqueue_now, queued_row
from core.tracing import set_trace
from core.uow import UnitOfWorkFactory
from tests.support.bookings import act, drive_to, request
from tests.support.factories import make_provider, make_user
from tests.support.sweeps import sweep

S = BookingState
COLUMNS = [c.name for c in OutboxMessage.__table__.columns if c.name != "id"]


@pytest.fixture
def traced() -> Iterator[str]:
    """Both paths run under one trace id, which each row must carry."""
    set_trace("trace-outbox-batch")
    yield "trace-outbox-batch"
    set_trace(None)


async def _rows(uows: UnitOfWorkFactory, kind: str | None = None) -> list[dict[str, Any]]:
    """Every column but the id of each outbox row, oldest first."""
    async with uows() as uow:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind is not None:
            stmt = stmt.where(OutboxMessage.kind == kind)
        found = (await uow.session.scalars(stmt)).all()
        return [{name: getattr(m, name) for name in COLUMNS} for m in found]


async def test_enqueue_many_writes_what_enqueue_writes_in_order(
    uows: UnitOfWorkFactory, clock: FixedClock, traced: str
) -> None:
    now = clock.now()
    first, second = await make_user(uows, now), await make_user(uows, now)
    notices = [
        Notice(
            kind="booking_expired", user_id=first, payload={"a": 1, "nested": {"b": [2]}}, now=now
        ),
        Notice(
            kind="expire_checkout",
            user_id=second,
            payload={"payment_id": 7},
            now=now + timedelta(seconds=1),
            channel="gateway",
            dedupe_key="payment-7-expire",
        ),
        Notice(kind="direct_reply", user_id=first, payload={}, now=now, channel="telegram"),
    ]
    async with uows() as uow:
        for n in notices:
            enqueue(
                uow.session,
                kind=n.kind,
                user_id=n.user_id,
                payload=n.payload,
                now=n.now,
                channel=n.channel,
                dedupe_key=n.dedupe_key,
            )
        await uow.commit()
    one_by_one = await _rows(uows)
    async with uows() as uow:
        # Another dedupe key: the column is unique.
        await enqueue_many(
            uow.session,
            [
                n if n.dedupe_key is None else Notice(**{**_fields(n), "dedupe_key": "other"})
                for n in notices
            ],
        )
        await enqueue_many(uow.session, [])  # nothing to queue: no statement, no error
        await uow.commit()
    batched = (await _rows(uows))[len(notices) :]
    assert len(one_by_one) == len(batched) == 3
    assert batched[1]["dedupe_key"] == "other"
    batched[1]["dedupe_key"] = one_by_one[1]["dedupe_key"]
    assert batched == one_by_one
    assert {r["trace_id"] for r in batched} == {traced}
    assert [r["status"] for r in batched] == ["pending"] * 3
    async with uows() as uow:  # at once, by a plain INSERT (a kept reply's way)
        ids = [
            await enqueue_now(uow.session, queued_row(**_fields(n) | {"dedupe_key": f"now-{k}"}))
            for k, n in enumerate(notices)
        ]
        await uow.commit()
    at_once = (await _rows(uows))[2 * len(notices) :]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [r.pop("dedupe_key") for r in at_once] == ["now-0", "now-1", "now-2"]
    assert at_once == [{k: v for k, v in r.items() if k != "dedupe_key"} for r in one_by_one]


def _fields(n: Notice) -> dict[str, Any]:
    return {name: getattr(n, name) for name in Notice.__slots__}


@pytest.mark.parametrize("state", [S.REQUESTED, S.ACCEPTED])
async def test_a_sweep_batch_writes_what_expiring_one_booking_writes(
    uows: UnitOfWorkFactory, clock: FixedClock, traced: str, state: BookingState
) -> None:
    """One booking expired by ``apply_action``, two by the sweep's batch, at one instant:
    their notices (every column), audit rows, freed seats and bookings are alike."""
    now = clock.now()
    owner, _, service = await make_provider(uows, now, capacity=3)
    client = await make_user(uows, now)
    day = date(2026, 6, 20)
    ids = [await request(uows, now, client, service, day) for _ in range(3)]
    for booking_id in ids:
        await drive_to(uows, booking_id, state, owner=owner, now=now)
    overdue = now + timedelta(days=3)  # past both windows, before the event
    single, *batch = ids

    await act(uows, single, Action.EXPIRE, Actor.system(), now=overdue)
    assert (await sweep(uows, "expire-pending", overdue, batch=2))["expired"] == 2

    notices = await _rows(uows, "booking_expired")
    by_booking = {
        booking_id: [
            {**r, "payload": {**r["payload"], "booking_id": "B"}}
            for r in notices
            if r["payload"]["booking_id"] == booking_id
        ]
        for booking_id in ids
    }
    expected = by_booking[single]
    assert [(r["user_id"], r["payload"]["audience"]) for r in expected] == [
        (client, "client"),
        (owner, "provider"),
    ]
    assert {r["trace_id"] for r in expected} == {traced}
    assert all(by_booking[b] == expected for b in batch)
    # In the batch's order: each booking's notices together, the bookings by id.
    assert [r["payload"]["booking_id"] for r in notices] == [b for b in ids for _ in range(2)]
    assert await _written(uows, batch[0]) == await _written(uows, single)
    assert await _written(uows, batch[1]) == await _written(uows, single)


async def _written(uows: UnitOfWorkFactory, booking_id: int) -> tuple[Any, ...]:
    """The booking's own columns the expiry sets, its audit rows and its seats."""
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        trail = (
            await uow.session.execute(
                select(
                    BookingTransition.source,
                    BookingTransition.target,
                    BookingTransition.action,
                    BookingTransition.actor_role,
                    BookingTransition.actor_user_id,
                    BookingTransition.reason,
                    BookingTransition.at,
                )
                .where(BookingTransition.booking_id == booking_id)
                .order_by(BookingTransition.id)
            )
        ).all()
        seats = await uow.session.scalars(
            select(SlotHold.id).where(SlotHold.booking_id == booking_id)
        )
        return (
            booking.state,
            booking.expires_at,
            booking.updated_at,
            [tuple(t) for t in trail],
            seats.all(),
        )
