"""Payment links for the chat: made just before the news that carries them, or before the
transaction of the step that hands one out ("Pay"), never inside a transaction
(checkout_links.py makes them).

Gateway trouble never undoes what the user did: an acceptance stays accepted and the
client can ask for the link again ("Pay the deposit"); a failed try is logged, and the
news goes without its link, or the step says the payment service could not be reached.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.states import BookingState
from core.clock import Clock
from core.db.engine import read_only
from core.db.tables import Booking, ChannelIdentity, Payment
from core.errors import InvalidValue
from core.payments.checkout_expiry import DUE_IN
from core.payments.checkout_links import REUSE_MARGIN, make_link
from core.payments.ports import GatewayError, PaymentGateway, PaymentKind
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

# What a chat's client owes on one of their bookings: its state, if the booking is theirs.
_STATE_FOR_CHAT = (
    select(Booking.state)
    .join(ChannelIdentity, ChannelIdentity.user_id == Booking.client_id)
    .where(
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id == bindparam("external_id"),
        Booking.id == bindparam("booking_id"),
    )
)
OWED_KIND = {state: PaymentKind(kind) for kind, state in DUE_IN.items()}


class PaymentLinks:
    """Makes payment links with no transaction open: for the news about to carry one (the
    outbox worker, before wording it) and for the chat's "Pay" (before its step's
    transaction). The news and the step then read the link made (`owed_link`).

    The acceptance that made the news neither waits for the gateway nor, on SQLite, keeps
    every other writer waiting through its round trip; news held for a client with no chat
    yet makes no link before they can read it; and the link's hours start when it is sent.
    """

    def __init__(self, uows: UnitOfWorkFactory, gateway: PaymentGateway, clock: Clock) -> None:
        self.uows, self.gateway, self.clock = uows, gateway, clock

    async def ensure(self, booking_id: object, kind: str) -> None:
        """A valid link for ``kind`` ("deposit", "balance") while the booking owes that;
        nothing otherwise. Gateway trouble is logged: the news goes without the link, and
        its Pay button asks for one."""
        if not isinstance(booking_id, int) or kind not in DUE_IN:  # from a stored payload
            return
        async with self.uows() as uow:
            state = await (await read_only(uow.session)).scalar(
                select(Booking.state).where(Booking.id == booking_id)
            )
        if state == DUE_IN[kind].value:
            await self._make(booking_id, PaymentKind(kind))

    async def for_chat(self, channel: str, external_id: str, booking_id: int) -> None:
        """The link "Pay" hands out, made before the step's transaction: only for a booking
        of the chat's own client that owes money now (a forged or stale button makes none)."""
        async with self.uows() as uow:
            state = await (await read_only(uow.session)).scalar(
                _STATE_FOR_CHAT,
                {"channel": channel, "external_id": external_id, "booking_id": booking_id},
            )
        kind = OWED_KIND.get(BookingState(state)) if state is not None else None
        if kind is not None:
            await self._make(booking_id, kind)

    async def _make(self, booking_id: int, kind: PaymentKind) -> None:
        try:
            await make_link(self.uows, self.gateway, booking_id, kind, self.clock.now())
        except GatewayError:
            log.exception("payment link for booking %s failed", booking_id)
        except InvalidValue as error:  # the booking moved on since it was read: no link
            log.info("no payment link for booking %s: %s", booking_id, error.key)


async def owed_link(
    uow: UnitOfWork, gateway: PaymentGateway, booking: Booking, now: datetime
) -> PendingLink | None:
    """The valid link for what the booking owes now, as made before this transaction; None
    if there is none (the gateway failed, or payments are off)."""
    kind = OWED_KIND.get(BookingState(booking.state))
    if kind is None:
        return None
    url = await uow.session.scalar(
        select(Payment.checkout_url)
        .where(
            Payment.booking_id == booking.id,
            Payment.kind == kind.value,
            Payment.status == "pending",
            Payment.gateway == gateway.name,
            Payment.checkout_url.is_not(None),
            Payment.checkout_expires_at > now + REUSE_MARGIN,
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )
    return PendingLink(url, gateway.name) if url else None


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
