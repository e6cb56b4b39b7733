"""Payment links asked for from a chat, or made just before the news that carries them:
each try in a savepoint of its own.

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
from core.clock import Clock
from core.db.tables import Booking, Payment
from core.payments.charges import balance_link, deposit_link
from core.payments.checkout_expiry import DUE_IN
from core.payments.ports import CheckoutLink, GatewayError, PaymentGateway
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


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


class NewsLinks:
    """Makes the payment link a piece of news is to carry, just before the news is worded.

    The outbox worker makes it, not the transaction that made the news (a provider's
    acceptance): the acceptance neither waits for the gateway nor, on SQLite, keeps every
    other writer waiting through the gateway's round trip; news held for a client with no
    chat yet makes no link before they can read it; and the link's hours start when it is
    sent. An acceptance is never undone by the gateway either way.
    """

    def __init__(self, uows: UnitOfWorkFactory, gateway: PaymentGateway, clock: Clock) -> None:
        self.uows, self.gateway, self.clock = uows, gateway, clock

    async def ensure(self, booking_id: object, kind: str) -> None:
        """A valid link for ``kind`` ("deposit", "balance") while the booking owes that;
        nothing otherwise. Gateway trouble is logged: the news goes without the link, and
        its Pay button asks for one."""
        if not isinstance(booking_id, int):  # from a stored payload
            return
        async with self.uows() as uow:
            booking = await uow.session.get(Booking, booking_id)
            owed = DUE_IN.get(kind)
            if booking is None or owed is None or booking.state != owed.value:
                return  # paid, or owed no more: the news shows no link
            await try_link_for_what_is_owed(uow, self.gateway, booking, self.clock.now())
            await uow.commit()


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
