"""Helpers for booking tests: request, drive to a state, and look at what was written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select

from core.booking.actions import apply_action, record_payment
from core.booking.actors import Actor
from core.booking.request import RequestBooking, request_booking
from core.booking.states import Action, BookingState, Role
from core.db.tables import Booking, BookingTransition, OutboxMessage, SlotHold
from core.uow import UnitOfWorkFactory

S = BookingState


def request_cmd(
    client: int, service_id: int, day: date, *, start_time: time | None = None, **kw: Any
) -> RequestBooking:
    return RequestBooking(
        client_id=client,
        service_id=service_id,
        event_type=kw.pop("event_type", "wedding"),
        day=day,
        start_time=start_time,
        guests=kw.pop("guests", 120),
        city=kw.pop("city", "rabat"),
        **kw,
    )


async def request(
    uows: UnitOfWorkFactory, now: datetime, client: int, service_id: int, day: date, **kw: Any
) -> int:
    async with uows() as uow:
        booking = await request_booking(uow, request_cmd(client, service_id, day, **kw), now=now)
        await uow.commit()
        return booking.id


async def act(
    uows: UnitOfWorkFactory,
    booking_id: int,
    action: Action,
    actor: Actor,
    *,
    now: datetime,
    reason: str | None = None,
    resolve_to: BookingState | None = None,
) -> Booking:
    async with uows() as uow:
        booking = await apply_action(
            uow, booking_id, action, actor, now=now, reason=reason, resolve_to=resolve_to
        )
        await uow.commit()
        return booking


async def pay(uows: UnitOfWorkFactory, booking_id: int, kind: str, *, now: datetime) -> Booking:
    """Pay the deposit, or whatever is left of the total for the balance."""
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        amount = (
            booking.deposit_minor if kind == "deposit" else booking.total_minor - booking.paid_minor
        )
        booking = await record_payment(uow, booking_id, amount, now=now, kind=kind)
        await uow.commit()
        return booking


# How to reach each state from ``requested`` with the real services.
PATHS: dict[BookingState, tuple[str, ...]] = {
    S.REQUESTED: (),
    S.ACCEPTED: ("accept",),
    S.CONFIRMED: ("accept", "deposit"),
    S.DELIVERED: ("accept", "deposit", "deliver"),
    S.PAYMENT_DUE: ("accept", "deposit", "deliver", "balance_failed"),
    S.COMPLETED: ("accept", "deposit", "deliver", "balance"),
    S.DECLINED: ("decline",),
    S.EXPIRED: ("expire",),
    S.CANCELLED: ("cancel",),
    S.DISPUTED: ("accept", "dispute"),
}


async def drive_to(
    uows: UnitOfWorkFactory, booking_id: int, target: BookingState, *, owner: int, now: datetime
) -> None:
    provider = Actor(Role.PROVIDER, owner)
    system = Actor.system()
    for step in PATHS[target]:
        if step in ("deposit", "balance"):
            await pay(uows, booking_id, step, now=now)
            continue
        action, actor, reason = {
            "accept": (Action.ACCEPT, provider, None),
            "deliver": (Action.MARK_DELIVERED, provider, None),
            "balance_failed": (Action.BALANCE_FAILED, system, None),
            "decline": (Action.DECLINE, provider, "fully booked"),
            "expire": (Action.EXPIRE, system, None),
            "cancel": (Action.CANCEL, provider, None),
            "dispute": (Action.DISPUTE, system, "client complaint"),
        }[step]
        at = max(now, await starts_at(uows, booking_id)) if step == "deliver" else now
        await act(uows, booking_id, action, actor, now=at, reason=reason)


async def starts_at(uows: UnitOfWorkFactory, booking_id: int) -> datetime:
    """When the booking's event starts: the earliest it can be marked delivered."""
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        return booking.starts_at


@dataclass(frozen=True)
class Snapshot:
    """Everything a command may write about one booking."""

    state: str
    paid: int
    refunded: int
    expires_at: datetime | None
    holds: tuple[date, ...]
    transitions: tuple[tuple[str | None, str, str, str, int | None, str | None, datetime], ...]
    outbox: tuple[tuple[str, int, str], ...]


async def snapshot(uows: UnitOfWorkFactory, booking_id: int) -> Snapshot:
    async with uows() as uow:
        s = uow.session
        booking = await s.get(Booking, booking_id)
        assert booking is not None
        holds = (
            await s.scalars(
                select(SlotHold.day).where(SlotHold.booking_id == booking_id).order_by(SlotHold.day)
            )
        ).all()
        trail = (
            await s.scalars(
                select(BookingTransition)
                .where(BookingTransition.booking_id == booking_id)
                .order_by(BookingTransition.id)
            )
        ).all()
        outbox = (await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        return Snapshot(
            state=booking.state,
            paid=booking.paid_minor,
            refunded=booking.refunded_minor,
            expires_at=booking.expires_at,
            holds=tuple(holds),
            transitions=tuple(
                (t.source, t.target, t.action, t.actor_role, t.actor_user_id, t.reason, t.at)
                for t in trail
            ),
            outbox=tuple(
                (m.kind, m.user_id, str(m.payload.get("audience")))
                for m in outbox
                if m.payload.get("booking_id") == booking_id
            ),
        )


async def count(uows: UnitOfWorkFactory, table: type[Any]) -> int:
    async with uows() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)
