"""The outbox worker's sender for the gateway channel: the gateway calls that
transactions queued, made after their commit (link expiry, refunds, balance charges,
payout transfers)."""

from __future__ import annotations

from core.clock import Clock
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, Envelope
from core.payments.balance import CHARGE_BALANCE, charge_queued_balance
from core.payments.checkout_expiry import EXPIRE_CHECKOUT, expire_checkout
from core.payments.ledger import TRANSFER_PAYOUT
from core.payments.payout_retry import Transferred, transfer_payout
from core.payments.ports import Payments
from core.payments.refund_sending import SEND_REFUND, send_refund
from core.uow import UnitOfWorkFactory


class GatewayTasks:
    def __init__(self, uows: UnitOfWorkFactory, payments: Payments, clock: Clock) -> None:
        self.uows, self.payments, self.clock = uows, payments, clock

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        now, gateway = self.clock.now(), self.payments.gateway
        if envelope.kind == EXPIRE_CHECKOUT:
            payment_id = int(envelope.payload["payment_id"])
            return await expire_checkout(self.uows, gateway, payment_id, now=now)
        if envelope.kind == SEND_REFUND:
            refund_id, links = int(envelope.payload["refund_id"]), self.payments.links
            return await send_refund(self.uows, gateway, refund_id, now=now, links=links)
        if envelope.kind == CHARGE_BALANCE:
            payment_id = int(envelope.payload["payment_id"])
            return await charge_queued_balance(self.uows, self.payments, payment_id, now=now)
        if envelope.kind == TRANSFER_PAYOUT:
            entry_id = int(envelope.payload["entry_id"])
            outcome = await transfer_payout(self.uows, self.payments, entry_id, now=now)
            return DeliveryResult(DeliveryOutcome.SENT, error=_unless_paid(outcome))
        return DeliveryResult(DeliveryOutcome.GIVE_UP, error=f"unknown task {envelope.kind}")


def _unless_paid(outcome: Transferred | None) -> str | None:
    """The attempt ends either way: a failed transfer is the payout sweep's to retry."""
    return f"transfer {outcome}" if outcome in (Transferred.FAILED, Transferred.STUCK) else None
