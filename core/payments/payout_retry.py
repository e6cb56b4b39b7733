"""Payouts a Stripe Connect transfer failed for: sent again, with backoff, then flagged.

`settle_payout` (ledger.py) records a failed transfer as an ``owed`` payout tried at
``retried_at``, and flags it (``payout_failed``). A transfer that failed for a moment
(Stripe unreachable) should not wait for an admin: the sweep sends it again with the same
idempotency key, so a transfer that did go through the first time is not paid twice. A
transfer Stripe refused (it answered, so nothing moved) is tried under a new key: Stripe
answers a known key with its first answer, so the old key would be refused forever. Still
failing after three days, it becomes the ``payout_stuck`` flag, for an admin. Providers
without a connected account are owed by design (paid by hand) and are not touched here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from core.booking.actors import get_booking
from core.db.tables import LedgerEntry, Provider
from core.money import Money
from core.payments.ledger import payout_key
from core.payments.ports import GatewayError, Payments
from core.support.tickets import raise_flag
from core.uow import UnitOfWorkFactory

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
                select(LedgerEntry.id, LedgerEntry.at, LedgerEntry.retried_at)
                .join(Provider, Provider.id == LedgerEntry.provider_id)
                .where(
                    LedgerEntry.kind == "payout",
                    LedgerEntry.status == "owed",
                    # Tried and failed; a payout owed by design (no connected account when
                    # the booking completed) is paid by hand, not here.
                    LedgerEntry.retried_at.is_not(None),
                    Provider.stripe_account_id.is_not(None),
                )
                .order_by(LedgerEntry.id)
            )
        ).all()
    due = [r.id for r in rows if retry_due(r.at, r.retried_at, now)][:limit]
    paid: list[int] = []
    stuck = 0
    for entry_id in due:
        async with uows() as uow:
            entry = await uow.session.get(LedgerEntry, entry_id)
            assert entry is not None
            booking = await get_booking(uow.session, entry.booking_id, lock=True)
            await uow.session.refresh(entry)
            provider = await uow.session.get(Provider, entry.provider_id)
            if entry.status != "owed" or provider is None or not provider.stripe_account_id:
                continue
            try:
                entry.external_id = await payments.gateway.transfer(
                    destination=provider.stripe_account_id,
                    amount=Money(entry.amount_minor, entry.currency),
                    idempotency_key=payout_key(booking.id, entry.attempt),
                    metadata={"booking_id": str(booking.id), "reference": booking.reference},
                )
                entry.status = "paid_via_connect"
                paid.append(booking.id)
            except GatewayError as error:
                log.warning("payout for booking %s failed again: %s", booking.id, error)
                entry.retried_at = now
                if error.refused:
                    entry.attempt += 1
                if now - entry.at >= GIVE_UP_AFTER:
                    raise_flag(
                        uow,
                        kind="payout_stuck",
                        subject_type="booking",
                        subject_id=booking.id,
                        now=now,
                        details={"error": str(error)[:500], "amount_minor": entry.amount_minor},
                    )
                    stuck += 1
            await uow.commit()
    return paid, stuck
