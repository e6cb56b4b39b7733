"""Payout transfers (Stripe Connect): made by the outbox worker after the commit that owed
them, never inside a transaction; sent again with backoff when they fail, then flagged.

`settle_payout` (ledger.py) writes the payout ``owed`` and queues its transfer; the worker
transfers it (`transfer_payout`) with no transaction open and records the outcome in one.
A failed transfer stays ``owed``, tried at ``retried_at``, and is flagged
(``payout_failed``). A transfer that failed for a moment
(Stripe unreachable) should not wait for an admin: the sweep sends it again with the same
idempotency key, so a transfer that did go through the first time is not paid twice. A
transfer Stripe refused (it answered, so nothing moved) is tried under a new key: Stripe
answers a known key with its first answer, so the old key would be refused forever. Still
failing after three days, it becomes the ``payout_stuck`` flag, for an admin. Providers
without a connected account are owed by design (paid by hand) and are not touched here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from core.booking.actors import get_booking
from core.db.engine import read_only
from core.db.tables import Booking, LedgerEntry, Provider
from core.money import Money
from core.payments.ledger import payout_key
from core.payments.ports import GatewayError, Payments
from core.support.tickets import raise_flag
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

RETRY_FIRST = timedelta(minutes=10)
RETRY_LONGEST = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(days=3)


def retry_due(first_try: datetime, last_try: datetime, now: datetime) -> bool:
    """As for refunds: after each failure, wait as long as the payout has been failing
    (10 min, 20, 40 … at most 6 h between tries)."""
    wait = min(max(last_try - first_try, RETRY_FIRST), RETRY_LONGEST)
    return now - last_try >= wait


async def retry_owed_payouts(
    uows: UnitOfWorkFactory, payments: Payments, *, now: datetime, limit: int = 100
) -> tuple[list[int], int]:
    """Send again the due failed transfers; (bookings now paid, payouts given up and flagged)."""
    async with uows() as uow:
        rows = (
            await uow.session.execute(
                select(
                    LedgerEntry.id, LedgerEntry.booking_id, LedgerEntry.at, LedgerEntry.retried_at
                )
                .join(Provider, Provider.id == LedgerEntry.provider_id)
                .where(
                    LedgerEntry.kind == "payout",
                    LedgerEntry.status == "owed",
                    # Tried and failed; a payout owed by design (no connected account when
                    # the booking completed) is paid by hand, not here, and one whose first
                    # transfer is queued is the worker's.
                    LedgerEntry.retried_at.is_not(None),
                    Provider.stripe_account_id.is_not(None),
                )
                .order_by(LedgerEntry.id)
            )
        ).all()
    due = [r for r in rows if retry_due(r.at, r.retried_at, now)][:limit]
    paid: list[int] = []
    stuck = 0
    for row in due:
        outcome = await transfer_payout(uows, payments, row.id, now=now)
        if outcome is Transferred.PAID:
            paid.append(row.booking_id)
        elif outcome is Transferred.STUCK:
            stuck += 1
    return paid, stuck


class Transferred(StrEnum):
    PAID = "paid"
    FAILED = "failed"  # the sweep sends it again; flagged at the first failure
    STUCK = "stuck"  # still failing after GIVE_UP_AFTER: flagged for an admin


@dataclass(frozen=True, slots=True)
class _Transfer:
    """What a transfer asks the gateway, read before it (no transaction open)."""

    booking_id: int
    reference: str
    destination: str
    amount: Money
    attempt: int


async def transfer_payout(
    uows: UnitOfWorkFactory, payments: Payments, entry_id: int, *, now: datetime
) -> Transferred | None:
    """Transfer an owed payout with no transaction open, then record the outcome in one,
    under the booking's lock; None: nothing to do (paid meanwhile, or paid by hand)."""
    asked = await _transfer_to_make(uows, entry_id)
    if asked is None:
        return None
    try:
        external = await payments.gateway.transfer(
            destination=asked.destination,
            amount=asked.amount,
            idempotency_key=payout_key(asked.booking_id, asked.attempt),
            metadata={"booking_id": str(asked.booking_id), "reference": asked.reference},
        )
    except GatewayError as error:
        log.warning("payout transfer for booking %s failed: %s", asked.booking_id, error)
        async with uows() as uow:
            entry = await _still_owed(uow, entry_id, asked)
            outcome = None if entry is None else _failed(uow, entry, error, now=now)
            await uow.commit()
        return outcome
    async with uows() as uow:
        entry = await _still_owed(uow, entry_id, asked)
        if entry is None:
            return None
        entry.status, entry.external_id = "paid_via_connect", external
        await uow.commit()
    return Transferred.PAID


async def _transfer_to_make(uows: UnitOfWorkFactory, entry_id: int) -> _Transfer | None:
    async with uows() as uow:
        session = await read_only(uow.session)
        row = (
            await session.execute(
                select(
                    LedgerEntry.booking_id,
                    LedgerEntry.status,
                    LedgerEntry.amount_minor,
                    LedgerEntry.currency,
                    LedgerEntry.attempt,
                    Booking.reference,
                    Provider.stripe_account_id,
                )
                .join(Booking, Booking.id == LedgerEntry.booking_id)
                .join(Provider, Provider.id == LedgerEntry.provider_id)
                .where(LedgerEntry.id == entry_id)
            )
        ).one_or_none()
    if row is None or row.status != "owed" or not row.stripe_account_id:
        return None
    return _Transfer(
        row.booking_id,
        row.reference,
        row.stripe_account_id,
        Money(row.amount_minor, row.currency),
        row.attempt,
    )


async def _still_owed(uow: UnitOfWork, entry_id: int, asked: _Transfer) -> LedgerEntry | None:
    """The payout, under its booking's lock, if nobody paid it meanwhile under this key."""
    await get_booking(uow.session, asked.booking_id, lock=True)
    entry = await uow.session.get(LedgerEntry, entry_id)
    assert entry is not None
    await uow.session.refresh(entry)
    return entry if entry.status == "owed" and entry.attempt == asked.attempt else None


def _failed(
    uow: UnitOfWork, entry: LedgerEntry, error: GatewayError, *, now: datetime
) -> Transferred:
    first_failure = entry.retried_at is None
    entry.retried_at = now  # the payout sweep sends it again, with backoff
    if error.refused:
        entry.attempt += 1  # Stripe keeps its "no" under the old key
    stuck = not first_failure and now - entry.at >= GIVE_UP_AFTER
    if first_failure or stuck:  # flagged when it first fails, and once it is stuck
        raise_flag(
            uow,
            kind="payout_stuck" if stuck else "payout_failed",
            subject_type="booking",
            subject_id=entry.booking_id,
            now=now,
            details={"error": str(error)[:500], "amount_minor": entry.amount_minor},
        )
    return Transferred.STUCK if stuck else Transferred.FAILED
