"""A card dispute: the booking goes under review, an admin is flagged, a ticket opens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.booking.actions import apply_action
from core.booking.actors import Actor, get_booking
from core.booking.states import ACTIVE_STATES, Action, BookingState
from core.db.tables import Payment
from core.payments.lookup import locked_payment, unknown_object
from core.payments.ports import Payments
from core.support.tickets import open_ticket, raise_flag
from core.uow import UnitOfWork


async def dispute_created(
    uow: UnitOfWork, payments: Payments, obj: dict[str, Any], now: datetime
) -> list[int]:
    payment = await locked_payment(uow, Payment.payment_intent_id == str(obj.get("payment_intent")))
    if payment is None:
        return unknown_object(uow, "dispute", obj, now)
    booking = await get_booking(uow.session, payment.booking_id, lock=True)
    why = f"card dispute: {obj.get('reason') or 'unspecified'}"
    state = booking.state
    if state in ACTIVE_STATES and state is not BookingState.DISPUTED:
        await apply_action(uow, booking.id, Action.DISPUTE, Actor.system(), now=now, reason=why)
    raise_flag(
        uow,
        kind="payment_dispute",
        subject_type="booking",
        subject_id=booking.id,
        now=now,
        severity="critical",
        details={"dispute": obj.get("id"), "amount_minor": obj.get("amount"), "reason": why},
    )
    await open_ticket(
        uow,
        user_id=booking.client_id,
        booking_id=booking.id,
        subject=f"Card dispute on {booking.reference}",
        body=f"The bank reports a dispute ({why}) on payment {payment.payment_intent_id}.",
        now=now,
        author_role="system",
    )
    return []
