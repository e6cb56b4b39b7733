"""Play the demo booking plan through the real services, at the times each step happened.

Every booking is requested, accepted, paid, delivered or cancelled by the same service
calls a live system makes, each in its own unit of work at its own ``now``, so slot
holds, the audit trail and the outbox are exactly what real traffic would leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from core.booking.actions import (
    apply_action,
    cancel_booking,
    confirm_delivery,
    record_payment,
    record_refund,
)
from core.booking.actors import Actor
from core.booking.availability import local_instant
from core.booking.request import RequestBooking, has_booked, request_booking
from core.booking.states import Action, Role
from core.errors import DomainError, SlotUnavailable
from core.notifications import history
from core.uow import UnitOfWork, UnitOfWorkFactory
from demo.plan import PAST_STORIES, Scenario, Story
from demo.providers import TZ

MAX_TRIES = 21  # days to move an event when its first day is taken, closed or off
HISTORY = timedelta(days=1)  # news older than this counts as already delivered
H, D = timedelta(hours=1), timedelta(days=1)


class Step(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    PAY_DEPOSIT = "pay_deposit"
    CLIENT_CANCELS = "client_cancels"
    PROVIDER_CANCELS = "provider_cancels"
    MARK_DELIVERED = "mark_delivered"
    CONFIRM_DELIVERY = "confirm_delivery"
    BALANCE_FAILS = "balance_fails"
    PAY_BALANCE = "pay_balance"


@dataclass(frozen=True, slots=True)
class Requested:
    """What the later steps need of a booking just requested (no ORM object kept)."""

    id: int
    created_at: datetime
    ends_at: datetime
    expires_at: datetime | None
    deposit_minor: int
    balance_minor: int


@dataclass(frozen=True, slots=True)
class Parties:
    """Database ids a scenario needs."""

    client_id: int
    owner_id: int
    service_id: int


async def play(
    uows: UnitOfWorkFactory, scenario: Scenario, parties: Parties, *, now: datetime
) -> bool:
    """Request the booking and walk it through its story; False if no day was free."""
    booking = await _request(uows, scenario, parties, now=now)
    if booking is None:
        return False
    for at, step in _steps(scenario.story, booking):
        async with uows() as uow:
            await _do(uow, step, booking, parties, scenario.reason, at=min(at, now))
            await uow.commit()
    return True


async def exists(uows: UnitOfWorkFactory, parties: Parties) -> bool:
    """Whether this client already booked this service (a previous seed did)."""
    async with uows() as uow:
        return await has_booked(uow.session, parties.client_id, parties.service_id)


async def outbox_mark(uows: UnitOfWorkFactory) -> int:
    """The highest outbox id now; messages after it were written by this seed."""
    async with uows() as uow:
        return await history.outbox_mark(uow.session)


async def settle_history(
    uows: UnitOfWorkFactory, *, after_id: int, user_ids: set[int], now: datetime
) -> None:
    """Mark news of long-past demo steps as sent, as it would have been at the time.

    Otherwise the first worker run would deliver weeks-old "deposit paid" messages; the
    recent ones stay pending and show the outbox at work.
    """
    async with uows() as uow:
        await history.settle_news_before(
            uow, after_id=after_id, user_ids=user_ids, before=now - HISTORY
        )
        await uow.commit()


async def _request(
    uows: UnitOfWorkFactory, sc: Scenario, parties: Parties, *, now: datetime
) -> Requested | None:
    today = now.astimezone(TZ).date()
    step = -1 if sc.story in PAST_STORIES else 1
    for attempt in range(MAX_TRIES):
        day = today + timedelta(days=sc.day_offset + step * attempt)
        start = _start_time(sc, day)
        if sc.service.duration_minutes is not None and start is None:
            continue  # closed that day
        begins = local_instant(day, start or time(0), TZ)
        at = begins - sc.lead if sc.story in PAST_STORIES else now - sc.lead
        cmd = RequestBooking(
            client_id=parties.client_id,
            service_id=parties.service_id,
            event_type=sc.event_type,
            day=day,
            start_time=start,
            guests=sc.guests,
            city=sc.city,
            venue=sc.venue,
            notes=sc.notes,
            contact_email=sc.client.email,
        )
        try:
            async with uows() as uow:
                booking = await request_booking(uow, cmd, now=at)
                await uow.commit()
                requested = Requested(
                    booking.id,
                    booking.created_at,
                    booking.ends_at,
                    booking.expires_at,
                    booking.deposit_minor,
                    booking.balance_minor,
                )
        except SlotUnavailable:
            continue
        except DomainError:
            return None  # a same-named provider that isn't ours, or no longer bookable
        return requested
    return None


def _start_time(sc: Scenario, day: date) -> time | None:
    """A start that fits one of the provider's windows on ``day``, or None."""
    duration = sc.service.duration_minutes
    if duration is None:
        return None
    starts: list[int] = []
    for weekdays, opens, closes in sc.provider.windows:
        if day.weekday() not in weekdays:
            continue
        first = opens.hour * 60 + opens.minute
        last = closes.hour * 60 + closes.minute
        if last <= first:
            last += 24 * 60  # the window runs past midnight
        # Starts before midnight only: an early-morning start belongs to the next day.
        starts.extend(m for m in range(first, last - duration + 1, 30) if m < 24 * 60)
    if not starts:
        return None
    minutes = starts[sc.start_pick % len(starts)]
    return time(minutes // 60, minutes % 60)


def _steps(story: Story, booking: Requested) -> list[tuple[datetime, Step]]:
    """What happened after the request, and when (the caller keeps every time <= now)."""
    t0, ends = booking.created_at, booking.ends_at
    paid = [(t0 + 4 * H, Step.ACCEPT), (t0 + D, Step.PAY_DEPOSIT)]
    delivered = [*paid, (ends + 2 * H, Step.MARK_DELIVERED)]
    confirmed = [*delivered, (ends + 20 * H, Step.CONFIRM_DELIVERY)]
    expiry = booking.expires_at or t0 + D
    return {
        Story.REQUESTED: [],
        Story.ACCEPTED: [(t0 + 2 * H, Step.ACCEPT)],
        Story.CONFIRMED: paid,
        Story.DECLINED: [(t0 + 5 * H, Step.DECLINE)],
        Story.EXPIRED: [(expiry, Step.EXPIRE)],
        Story.CANCELLED_REQUEST: [(t0 + 20 * H, Step.CLIENT_CANCELS)],
        Story.CANCELLED_PAID: [*paid, (t0 + 3 * D, Step.CLIENT_CANCELS)],
        Story.CANCELLED_BY_PROVIDER: [
            (t0 + 3 * H, Step.ACCEPT),
            (t0 + 2 * D, Step.PROVIDER_CANCELS),
        ],
        Story.DELIVERED: delivered,
        Story.PAYMENT_DUE: [*confirmed, (ends + D, Step.BALANCE_FAILS)],
        Story.COMPLETED: [*confirmed, (ends + D, Step.PAY_BALANCE)],
    }[story]


async def _do(
    uow: UnitOfWork,
    step: Step,
    booking: Requested,
    parties: Parties,
    reason: str | None,
    *,
    at: datetime,
) -> None:
    client = Actor(Role.CLIENT, parties.client_id)
    owner = Actor(Role.PROVIDER, parties.owner_id)
    if step is Step.ACCEPT:
        await apply_action(uow, booking.id, Action.ACCEPT, owner, now=at)
    elif step is Step.DECLINE:
        await apply_action(uow, booking.id, Action.DECLINE, owner, now=at, reason=reason)
    elif step is Step.EXPIRE:
        await apply_action(uow, booking.id, Action.EXPIRE, Actor.system(), now=at)
    elif step is Step.PAY_DEPOSIT:
        await record_payment(uow, booking.id, booking.deposit_minor, now=at, kind="deposit")
    elif step in (Step.CLIENT_CANCELS, Step.PROVIDER_CANCELS):
        actor = client if step is Step.CLIENT_CANCELS else owner
        _, refund = await cancel_booking(uow, booking.id, actor, now=at, reason=reason)
        if refund.amount > 0:
            await record_refund(uow, booking.id, refund.amount, now=at)
    elif step is Step.MARK_DELIVERED:
        await apply_action(uow, booking.id, Action.MARK_DELIVERED, owner, now=at)
    elif step is Step.CONFIRM_DELIVERY:
        await confirm_delivery(uow, booking.id, client, now=at)
    elif step is Step.BALANCE_FAILS:
        await apply_action(uow, booking.id, Action.BALANCE_FAILED, Actor.system(), now=at)
    else:
        await record_payment(uow, booking.id, booking.balance_minor, now=at, kind="balance")
