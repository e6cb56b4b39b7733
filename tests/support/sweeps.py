"""Running sweeps by id in tests, with the clock the test controls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.db.tables import Booking, BookingTransition, OutboxMessage, SlotHold
from core.payments.ports import Payments
from core.scheduling.model import Counts, SweepConfig, SweepContext
from core.scheduling.registry import BY_ID
from core.scheduling.runs import run_sweep
from core.uow import UnitOfWorkFactory


async def sweep(
    uows: UnitOfWorkFactory,
    sweep_id: str,
    now: datetime,
    *,
    payments: Payments | None = None,
    config: SweepConfig | None = None,
    batch: int = 200,
) -> Counts:
    """Run one sweep through the same path the scheduler takes; fail the test on an error."""
    ctx = SweepContext(uows, now, payments=payments, config=config or SweepConfig(), batch=batch)
    outcome = await run_sweep(BY_ID[sweep_id], ctx, holder="test")
    assert outcome.error is None, outcome.error
    return outcome.counts


async def messages(uows: UnitOfWorkFactory, kind: str | None = None) -> list[tuple[Any, ...]]:
    """(kind, user, audience, days, created_at) of every outbox message, oldest first."""
    async with uows() as uow:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind is not None:
            stmt = stmt.where(OutboxMessage.kind == kind)
        rows = (await uow.session.scalars(stmt)).all()
        return [
            (m.kind, m.user_id, m.payload.get("audience"), m.payload.get("days"), m.created_at)
            for m in rows
        ]


async def booking(uows: UnitOfWorkFactory, booking_id: int) -> Booking:
    async with uows() as uow:
        found = await uow.session.get(Booking, booking_id)
        assert found is not None
        uow.session.expunge(found)  # loaded: the rollback on exit must not expire it
        return found


async def assert_each_booking_whole(
    uows: UnitOfWorkFactory, *, client_id: int | None = None
) -> None:
    """Expired with one expiry, no seat and two notices; or requested as it was seeded
    (bench/sweeps_data.py). Every booking, or ``client_id``'s only."""
    async with uows() as uow:
        s = uow.session
        expiries = (
            select(func.count())
            .where(
                BookingTransition.booking_id == Booking.id, BookingTransition.target == "expired"
            )
            .scalar_subquery()
        )
        holds = select(func.count()).where(SlotHold.booking_id == Booking.id).scalar_subquery()
        notices = (
            select(func.count())
            .where(
                OutboxMessage.kind == "booking_expired",
                func.json_extract(OutboxMessage.payload, "$.booking_id") == Booking.id,
            )
            .scalar_subquery()
            if s.get_bind().dialect.name == "sqlite"
            else select(func.count())
            .where(
                OutboxMessage.kind == "booking_expired",
                OutboxMessage.payload["booking_id"].as_integer() == Booking.id,
            )
            .scalar_subquery()
        )
        query = select(Booking.state, expiries, holds, notices)
        if client_id is not None:
            query = query.where(Booking.client_id == client_id)
        rows = (await s.execute(query)).all()
    shapes = {tuple(row) for row in rows}
    assert shapes <= {("expired", 1, 0, 2), ("requested", 0, 1, 0)}, shapes
