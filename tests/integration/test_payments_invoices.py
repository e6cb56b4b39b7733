"""Invoice numbers: sequential per year, no gaps, no doubles, under concurrent payments.

Runs on SQLite (writers serialised) and PostgreSQL (the counter row locked FOR UPDATE).
One payment's transaction dies after taking its number: the number goes to the next
payment instead of leaving a hole.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import Booking, Invoice, Payment
from core.payments.checkout_links import deposit_link
from core.payments.events import handle_gateway_event
from core.payments.ports import GatewayEvent, Payments
from core.uow import UnitOfWorkFactory
from payments.offline_gateway import OfflineGateway
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user

N = 8


class Links:
    def invoice_url(self, invoice_id: int, *, now: datetime) -> str:
        return f"http://test/invoices/{invoice_id}.pdf"

    def credit_note_url(self, credit_note_id: int, *, now: datetime) -> str:
        return f"http://test/credit-notes/{credit_note_id}.pdf"


class Crash(Exception):
    pass


async def accepted_bookings(uows: UnitOfWorkFactory, now: datetime) -> list[int]:
    owner, _, service = await make_provider(uows, now, capacity=N)
    ids = []
    for i in range(N):
        client = await make_user(uows, now, name=f"client {i}")
        booking_id = await request(uows, now, client, service, now.date() + timedelta(days=30))
        await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
        ids.append(booking_id)
    return ids


async def test_numbers_have_no_gaps_under_concurrency(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    gateway = OfflineGateway("http://test")
    payments = Payments(gateway, Links())
    booking_ids = await accepted_bookings(uows, now)
    sessions = {}
    for booking_id in booking_ids:
        sessions[booking_id] = (await deposit_link(uows, gateway, booking_id, now)).id
    doomed = booking_ids[2]

    async def pay(booking_id: int, *, crash: bool = False) -> None:
        event = GatewayEvent(
            f"evt_{booking_id}_{crash}",
            "checkout.session.completed",
            {
                "id": sessions[booking_id],
                "object": "checkout.session",
                "payment_status": "paid",
                "payment_intent": f"pi_{booking_id}",
                "metadata": {"booking_id": str(booking_id)},
            },
        )
        async with uows() as uow:
            result = await handle_gateway_event(uow, payments, event, now=now)
            assert len(result.invoice_ids) == 1
            if crash:
                raise Crash  # after the number was taken, before the commit
            await uow.commit()

    results = await asyncio.gather(
        *(pay(b, crash=b == doomed) for b in booking_ids), return_exceptions=True
    )
    assert [type(r) for r in results] == [Crash if b == doomed else type(None) for b in booking_ids]
    await pay(doomed)  # Stripe's retry of the event the crash lost
    async with uows() as uow:
        invoices = (await uow.session.scalars(select(Invoice).order_by(Invoice.sequence))).all()
        states = (await uow.session.scalars(select(Booking.state))).all()
        statuses = (await uow.session.scalars(select(Payment.status))).all()
        numbers = [(i.sequence, i.number, i.booking_id) for i in invoices]
    assert [n[0] for n in numbers] == list(range(1, N + 1))
    assert [n[1] for n in numbers] == [f"MSB-2026-{n:06d}" for n in range(1, N + 1)]
    assert sorted(n[2] for n in numbers) == sorted(booking_ids)
    assert numbers[-1][2] == doomed  # the retried one came last and got the next number
    assert set(states) == {"confirmed"} and set(statuses) == {"paid"}
