"""Payment links asked for from a chat: each try in a savepoint of its own.

Gateway trouble never undoes what the user did: an acceptance stays accepted and the
client can ask for the link again ("Pay the deposit"), so a failed try is rolled back
to its savepoint, logged, and answered with None.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.states import BookingState
from core.db.tables import Booking, Payment
from core.errors import DomainError
from core.payments.charges import balance_link, deposit_link
from core.payments.ports import CheckoutLink, GatewayError, PaymentGateway
from core.uow import UnitOfWork

log = logging.getLogger(__name__)


async def try_deposit_link(
    uow: UnitOfWork, gateway: PaymentGateway, booking_id: int, now: datetime
) -> None:
    """Right after an acceptance: make the link the client's notification will carry."""
    try:
        async with uow.savepoint():
            await deposit_link(uow, gateway, booking_id, now)
    except (GatewayError, DomainError):
        log.exception("no deposit link for booking %s yet; the client can ask again", booking_id)


async def try_link_for_what_is_owed(
    uow: UnitOfWork, gateway: PaymentGateway, booking: Booking, now: datetime
) -> CheckoutLink | None:
    """A valid link for what the booking owes now (deposit or balance), or None (the
    reason is logged)."""
    make = deposit_link if booking.state == BookingState.ACCEPTED.value else balance_link
    try:
        async with uow.savepoint():
            return await make(uow, gateway, booking.id, now)
    except GatewayError:
        log.exception("payment link for booking %s failed", booking.id)
        return None


@dataclass(frozen=True, slots=True)
class PendingLink:
    url: str
    gateway: str  # "offline" links are a demo: the chat says that no money moves


async def pending_checkout(uow: UnitOfWork, booking_id: int, kind: str) -> PendingLink | None:
    """The link of the latest payment of this kind still waiting to be paid, if any."""
    return await pending_checkout_in(uow.session, booking_id, kind)


async def pending_checkout_in(
    session: AsyncSession, booking_id: int, kind: str
) -> PendingLink | None:
    row = (
        await session.execute(
            select(Payment.checkout_url, Payment.gateway)
            .where(
                Payment.booking_id == booking_id,
                Payment.kind == kind,
                Payment.status == "pending",
                Payment.checkout_url.is_not(None),
            )
            .order_by(Payment.id.desc())
            .limit(1)
        )
    ).first()
    return PendingLink(str(row[0]), str(row[1])) if row is not None else None
