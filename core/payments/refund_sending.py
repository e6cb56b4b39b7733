"""Sending a decided refund to the gateway, with no transaction open, and booking its answer.

The outbox worker sends what a transaction queued (core/payments/gateway_tasks.py); a
caller that waits for the answer (the admin CLI) holds its tasks and sends them itself
after its commit (`send_held`). The answer is booked in a transaction of its own. A
refund the gateway did not take stays pending and ``retry_pending_refunds`` sends it
again with the same key, so the money goes back once. Its path: refunds.mmd.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.booking.actions import record_refund
from core.booking.actors import get_booking
from core.db.engine import read_only
from core.db.tables import Booking, Payment, Refund
from core.money import Money
from core.notifications.outbox import (
    DeliveryOutcome,
    DeliveryResult,
    enqueue,
    record_own_attempt,
)
from core.payments.credit_notes import issue_credit_note
from core.payments.ledger import add_entry
from core.payments.ports import GATEWAY_CHANNEL, GatewayError, LinkSigner, PaymentGateway
from core.support.tickets import raise_flag
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SEND_REFUND = "send_refund"  # the outbox task on the gateway channel
# How long a caller that sends its refunds itself holds their tasks: past it, the worker
# takes over (longer than the gateway client's own timeout).
HELD_FOR = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    requested: int
    sent: int  # accepted by the gateway
    pending: int  # to be retried
    failed: int = 0  # refused by the gateway: an admin is told

    @property
    def complete(self) -> bool:
        return self.sent == self.requested


def queue_sending(
    uow: UnitOfWork, refund: Refund, booking: Booking, *, now: datetime, held: bool = False
) -> None:
    """In the transaction that decided ``refund``: the task of sending it, for the outbox
    worker once this commits (``held``: for the caller, with `send_held`). On the client's
    lane, as the booking's other gateway tasks: one at a time, in order."""
    enqueue(
        uow.session,
        kind=SEND_REFUND,
        user_id=booking.client_id,
        channel=GATEWAY_CHANNEL,
        payload={"refund_id": refund.id, "booking_id": booking.id},
        now=now,
        dedupe_key=_task_key(refund.id),
        sending_until=now + HELD_FOR if held else None,
    )


def _task_key(refund_id: int) -> str:
    return f"refund-{refund_id}-send"


async def send_refund(
    uows: UnitOfWorkFactory,
    gateway: PaymentGateway,
    refund_id: int,
    *,
    now: datetime,
    links: LinkSigner | None = None,
) -> DeliveryResult:
    """Ask the gateway, with no transaction open; then, in one, book the refund, or note
    why it is still pending (the sweep tries again) or failed (an admin is told).

    The attempt ends there either way (``SENT``): retries are the refund's own, with their
    backoff (`retry_pending_refunds`), not the outbox's.
    """
    async with uows() as uow:
        session = await read_only(uow.session)
        asked = (
            await session.execute(
                select(
                    Refund.status,
                    Refund.amount_minor,
                    Refund.currency,
                    Refund.idempotency_key,
                    Payment.payment_intent_id,
                )
                .join(Payment, Payment.id == Refund.payment_id)
                .where(Refund.id == refund_id)
            )
        ).one_or_none()
    if asked is None or asked.status != "pending" or asked.payment_intent_id is None:
        return DeliveryResult(DeliveryOutcome.SENT)  # booked or failed meanwhile
    try:
        external = await gateway.refund(
            payment_intent_id=asked.payment_intent_id,
            amount=Money(asked.amount_minor, asked.currency),
            idempotency_key=asked.idempotency_key,
        )
    except GatewayError as error:
        log.warning("refund %s not sent yet: %s", asked.idempotency_key, error)
        async with uows() as uow:
            refund = await _still_pending(uow, refund_id)
            if refund is not None:
                _note_failure(uow, refund, error, now=now)
                await uow.commit()
        return DeliveryResult(DeliveryOutcome.SENT, error=str(error)[:500])
    async with uows() as uow:
        refund = await _still_pending(uow, refund_id)
        if refund is not None:  # else Stripe's report of it booked it meanwhile
            payment = await uow.session.get(Payment, refund.payment_id)
            assert payment is not None
            await book_refund(uow, refund, payment, external_id=external, now=now, links=links)
            await uow.commit()
    return DeliveryResult(DeliveryOutcome.SENT, external_id=external)


async def _still_pending(uow: UnitOfWork, refund_id: int) -> Refund | None:
    """The refund, read under its booking's lock (as the payment webhooks are: one writer
    at a time), if nobody booked it meanwhile."""
    refund = await uow.session.get(Refund, refund_id)
    assert refund is not None
    await get_booking(uow.session, refund.booking_id, lock=True)
    await uow.session.refresh(refund)
    return refund if refund.status == "pending" else None


def _note_failure(uow: UnitOfWork, refund: Refund, error: GatewayError, *, now: datetime) -> None:
    refund.error, refund.updated_at = str(error)[:500], now
    if not error.refused:
        return  # it may have gone through: only the same key may go again
    # The gateway keeps its "no" under this key: trying again can't do better.
    refund.status = "failed"
    raise_flag(
        uow,
        kind="refund_failed",
        subject_type="booking",
        subject_id=refund.booking_id,
        now=now,
        details={"refund_id": refund.id, "error": str(error)[:500]},
    )


async def send_held(
    uows: UnitOfWorkFactory,
    gateway: PaymentGateway,
    refund_ids: list[int],
    *,
    now: datetime,
    links: LinkSigner | None = None,
) -> RefundOutcome:
    """Send the refunds a committed ``refund_booking(held=True)`` queued, here and now, for
    a caller that shows the gateway's answer; each task is then done, unless the worker
    took it over meanwhile (it held it too long)."""
    for refund_id in refund_ids:
        result = await send_refund(uows, gateway, refund_id, now=now, links=links)
        await record_own_attempt(uows, _task_key(refund_id), result, now=now)
    async with uows() as uow:
        session = await read_only(uow.session)
        rows = (
            await session.execute(
                select(Refund.amount_minor, Refund.status).where(Refund.id.in_(refund_ids))
            )
        ).all()
    by_status = {status: 0 for status in ("succeeded", "pending", "failed")}
    for row in rows:
        by_status[row.status] += row.amount_minor
    return RefundOutcome(
        sum(by_status.values()), by_status["succeeded"], by_status["pending"], by_status["failed"]
    )


async def book_refund(
    uow: UnitOfWork,
    refund: Refund,
    payment: Payment,
    *,
    external_id: str | None,
    now: datetime,
    links: LinkSigner | None = None,
) -> None:
    """The gateway gave the money back: record it on the payment, booking and ledger."""
    refund.status, refund.external_id, refund.updated_at = "succeeded", external_id, now
    refund.error = None
    payment.refunded_minor += refund.amount_minor
    payment.updated_at = now
    if payment.refunded_minor >= payment.amount_minor:
        payment.status = "refunded"
    booking = await get_booking(uow.session, refund.booking_id, lock=True)
    if refund.counts_for_booking:
        await record_refund(uow, booking.id, refund.amount_minor, now=now)
        await issue_credit_note(uow, refund, booking, now=now, links=links)
    await uow.session.flush()
    await add_entry(
        uow.session,
        booking,
        key=f"refund-{refund.id}",
        kind="refund",
        amount_minor=refund.amount_minor,
        now=now,
        external_id=external_id,
    )


RETRY_FIRST = timedelta(minutes=5)
RETRY_LONGEST = timedelta(hours=6)


def retry_due(created_at: datetime, last_try: datetime, now: datetime) -> bool:
    """Exponential backoff without a counter: a refund waits, after each failed try, as long
    as it had been pending at that try (5 min, 10, 20, 40 … at most 6 h between tries), so a
    gateway that is down for a day gets a handful of calls, not one every ten minutes."""
    wait = min(max(last_try - created_at, RETRY_FIRST), RETRY_LONGEST)
    return now - last_try >= wait


async def retry_pending_refunds(
    uows: UnitOfWorkFactory,
    gateway: PaymentGateway,
    *,
    now: datetime,
    limit: int = 50,
    links: LinkSigner | None = None,
) -> list[int]:
    """Sweep: send again the refunds the gateway did not take (same idempotency key), each
    when its backoff is over, as the worker sends them (no transaction open meanwhile)."""
    due: list[int] = []
    last_id = 0
    while len(due) < limit:
        async with uows() as uow:
            rows = (
                await uow.session.execute(
                    select(Refund.id, Refund.created_at, Refund.updated_at)
                    .where(
                        Refund.status == "pending",
                        Refund.updated_at <= now - RETRY_FIRST,
                        Refund.id > last_id,
                    )
                    .order_by(Refund.id)
                    .limit(limit)
                )
            ).all()
        ready = [r.id for r in rows if retry_due(r.created_at, r.updated_at, now)]
        due += ready[: limit - len(due)]
        if len(rows) < limit:
            break
        last_id = rows[-1].id
    done: list[int] = []
    for refund_id in due:
        result = await send_refund(uows, gateway, refund_id, now=now, links=links)
        if result.external_id is not None:
            done.append(refund_id)
    return done
