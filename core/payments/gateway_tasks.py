"""The outbox worker's sender for the gateway channel: the gateway calls that
transactions queued, made after their commit (link expiry, refunds)."""

from __future__ import annotations

from core.clock import Clock
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, Envelope
from core.payments.checkout_expiry import EXPIRE_CHECKOUT, expire_checkout
from core.payments.ports import LinkSigner, PaymentGateway
from core.payments.refund_sending import SEND_REFUND, send_refund
from core.uow import UnitOfWorkFactory


class GatewayTasks:
    def __init__(
        self,
        uows: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        links: LinkSigner | None = None,
    ) -> None:
        self.uows, self.gateway, self.clock = uows, gateway, clock
        self.links = links  # signs the credit note's link in the chat

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        now = self.clock.now()
        if envelope.kind == EXPIRE_CHECKOUT:
            payment_id = int(envelope.payload["payment_id"])
            return await expire_checkout(self.uows, self.gateway, payment_id, now=now)
        if envelope.kind == SEND_REFUND:
            refund_id = int(envelope.payload["refund_id"])
            return await send_refund(self.uows, self.gateway, refund_id, now=now, links=self.links)
        return DeliveryResult(DeliveryOutcome.GIVE_UP, error=f"unknown task {envelope.kind}")
