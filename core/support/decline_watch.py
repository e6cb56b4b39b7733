"""An automatic flag: a provider who declines more than half of their last 10 requests.

A domain event handler (registered in core/bootstrap.py next to the notifier), so it sees
every decline whichever path took it, in the transaction that took it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.states import Action, Role
from core.db.tables import Booking, BookingTransition
from core.events import BookingStateChanged, DomainEvent
from core.support.tickets import add_flag

WINDOW = 10  # the provider's last answered requests
ANSWERS = (Action.ACCEPT.value, Action.DECLINE.value)


async def watch_declines(session: AsyncSession, events: Sequence[DomainEvent]) -> None:
    """UnitOfWork event handler: each provider's decline, in turn."""
    for event in events:
        await _watch_decline(session, event)


async def _watch_decline(session: AsyncSession, event: DomainEvent) -> None:
    if not (
        isinstance(event, BookingStateChanged)
        and event.action is Action.DECLINE
        and event.role is Role.PROVIDER  # an admin declining for a suspension says nothing
    ):
        return
    booking = await session.get(Booking, event.booking_id)
    if booking is None:
        return
    answers = (
        await session.scalars(
            select(BookingTransition.action)
            .join(Booking, Booking.id == BookingTransition.booking_id)
            .where(
                Booking.provider_id == booking.provider_id,
                BookingTransition.action.in_(ANSWERS),
                BookingTransition.actor_role == Role.PROVIDER.value,
            )
            .order_by(BookingTransition.at.desc(), BookingTransition.id.desc())
            .limit(WINDOW)
        )
    ).all()
    declined = sum(action == Action.DECLINE.value for action in answers)
    if declined * 2 > WINDOW:
        add_flag(
            session,
            kind="provider_declines",
            subject_type="provider",
            subject_id=booking.provider_id,
            now=booking.updated_at,
            details={"declined": declined, "of_last": len(answers)},
        )
