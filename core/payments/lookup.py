"""Finding the payment a gateway object names, under its booking's row lock."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.booking.actors import get_booking
from core.db.tables import Payment
from core.support.tickets import raise_flag
from core.uow import UnitOfWork

log = logging.getLogger(__name__)


def metadata_of(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def id_of(value: Any) -> str | None:
    """An id whether Stripe sent it bare or as an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


async def locked_payment(uow: UnitOfWork, *conditions: Any) -> Payment | None:
    """Find the payment, lock its booking, then read the payment again (it may have moved)."""
    session = uow.session
    for condition in conditions:
        if condition is None:
            continue
        payment = await session.scalar(select(Payment).where(condition))
        if payment is not None:
            await get_booking(session, payment.booking_id, lock=True)
            await session.refresh(payment)
            return payment
    return None


def by_metadata(obj: dict[str, Any]) -> Any:
    payment_id = str(metadata_of(obj).get("payment_id", ""))
    return Payment.id == int(payment_id) if payment_id.isdigit() else None


async def checkout_payment(uow: UnitOfWork, obj: dict[str, Any]) -> Payment | None:
    return await locked_payment(
        uow, Payment.checkout_session_id == str(obj.get("id")), by_metadata(obj)
    )


async def intent_payment(uow: UnitOfWork, obj: dict[str, Any]) -> Payment | None:
    is_intent = obj.get("object") == "payment_intent"
    intent = str(obj.get("id")) if is_intent else id_of(obj.get("payment_intent"))
    return await locked_payment(
        uow, Payment.payment_intent_id == intent if intent else None, by_metadata(obj)
    )


def unknown_object(uow: UnitOfWork, what: str, obj: dict[str, Any], now: datetime) -> list[int]:
    log.warning("payment event for an unknown %s %s", what, obj.get("id"))
    raise_flag(
        uow,
        kind="unknown_payment_object",
        subject_type=what,
        subject_id=str(obj.get("id", "?"))[:64],
        now=now,
        details={"metadata": metadata_of(obj)},
    )
    return []
