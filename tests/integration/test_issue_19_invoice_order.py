"""Issue 19: the chat says "Deposit received" first, then brings its invoice."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, Envelope, deliver_due
from core.payments.checkout_links import deposit_link
from core.payments.events import handle_gateway_event
from core.payments.ports import GatewayEvent, Payments
from core.uow import UnitOfWorkFactory
from payments.offline_gateway import OfflineGateway
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user


class Links:
    def invoice_url(self, invoice_id: int, *, now: datetime) -> str:
        return f"http://test/invoices/{invoice_id}.pdf"

    def credit_note_url(self, credit_note_id: int, *, now: datetime) -> str:
        return f"http://test/credit-notes/{credit_note_id}.pdf"


class Chats:
    """The outbox's MessageSender port, recording what each person would read, in order."""

    def __init__(self) -> None:
        self.read: list[tuple[int, str]] = []

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        if envelope.channel != "email":
            self.read.append((envelope.user_id, envelope.kind))
        return DeliveryResult(DeliveryOutcome.SENT)


async def test_the_invoice_follows_the_deposit_news(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service = await make_provider(uows, now)
    client = await make_user(uows, now)
    booking_id = await request(uows, now, client, service, now.date() + timedelta(days=30))
    await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
    gateway = OfflineGateway("http://test")
    session_id = (await deposit_link(uows, gateway, booking_id, now)).id
    chats = Chats()
    await deliver_due(uows, chats, now=now)  # what was said before the payment
    chats.read.clear()

    paid = GatewayEvent(
        "evt_paid",
        "checkout.session.completed",
        {
            "id": session_id,
            "object": "checkout.session",
            "payment_status": "paid",
            "payment_intent": "pi_1",
            "metadata": {"booking_id": str(booking_id)},
        },
    )
    async with uows() as uow:
        await handle_gateway_event(uow, Payments(gateway, Links()), paid, now=now)
        await uow.commit()
    for later in (0, 1, 3):  # the worker's rounds
        await deliver_due(uows, chats, now=now + timedelta(seconds=later))
    client_reads = [kind for user, kind in chats.read if user == client]
    assert client_reads == ["deposit_paid", "invoice_issued"]
