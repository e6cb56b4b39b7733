"""How the money of a booking splits between the platform and the provider, to the cent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.money import Money, round_half_up


@dataclass(frozen=True, slots=True)
class BookingMoney:
    """One booking's ledger: what came in, what went back, and who keeps the rest."""

    booking_id: int
    currency: str
    paid: int
    refunded: int
    commission: int
    provider_share: int

    @property
    def net(self) -> int:
        return self.paid - self.refunded


def split(booking_id: int, paid: Money, refunded: Money, commission_bp: int) -> BookingMoney:
    """Commission is ``commission_bp`` of what was kept, rounded half up; the provider gets
    the exact remainder, so the two always add up to the net."""
    net = (paid - refunded).amount
    commission = round_half_up(net * commission_bp, 10_000)
    return BookingMoney(
        booking_id, paid.currency, paid.amount, refunded.amount, commission, net - commission
    )


@dataclass(frozen=True, slots=True)
class PeriodTotals:
    currency: str
    bookings: int
    paid: int
    refunded: int
    commission: int
    provider_share: int
    payouts_paid: int
    payouts_owed: int

    @property
    def net(self) -> int:
        return self.paid - self.refunded


def add_up(
    lines: Iterable[BookingMoney], *, currency: str, payouts_paid: int = 0, payouts_owed: int = 0
) -> PeriodTotals:
    """Totals are sums of per-booking figures (never a commission of the total): the report
    matches the bookings it lists to the cent."""
    rows = [line for line in lines if line.currency == currency]
    return PeriodTotals(
        currency=currency,
        bookings=len(rows),
        paid=sum(r.paid for r in rows),
        refunded=sum(r.refunded for r in rows),
        commission=sum(r.commission for r in rows),
        provider_share=sum(r.provider_share for r in rows),
        payouts_paid=payouts_paid,
        payouts_owed=payouts_owed,
    )
