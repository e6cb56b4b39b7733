"""Price quotes: total, deposit and balance in integer minor units.

Rounding: per-hour prices are prorated by the minute and the deposit is a share of the
total in basis points; both round half up to the minor unit, and the balance is what is
left, so deposit + balance == total exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.errors import InvalidValue
from core.money import Money

# Sane bounds, the same on every database: a typo (a price in centimes typed as dirhams,
# a phone number as a guest count) is refused with a clear message instead of stored.
MAX_GUESTS = 10_000
MAX_TOTAL_MINOR = 10_000_000_000  # 100 million MAD for one booking; BIGINT holds far more
MAX_UNIT_PRICE_MINOR = MAX_TOTAL_MINOR  # a price (a day, a guest, an hour) never more


class PricingModel(StrEnum):
    FIXED = "fixed"
    PER_GUEST = "per_guest"
    PER_HOUR = "per_hour"


@dataclass(frozen=True, slots=True)
class Quote:
    unit_price: Money
    quantity_label: str  # "1", "200 guests", "180 min": for receipts, machine-readable
    total: Money
    deposit: Money
    balance: Money
    deposit_bp: int

    def as_dict(self) -> dict[str, int | str]:
        return {
            "currency": self.total.currency,
            "unit_price": self.unit_price.amount,
            "quantity": self.quantity_label,
            "total": self.total.amount,
            "deposit": self.deposit.amount,
            "balance": self.balance.amount,
            "deposit_bp": self.deposit_bp,
        }


def make_quote(
    *,
    model: PricingModel,
    unit_price: Money,
    deposit_bp: int,
    guests: int | None = None,
    minutes: int | None = None,
    days: int = 1,
) -> Quote:
    """Price one booking; ``days`` multiplies fixed and hourly prices for multi-day events."""
    if unit_price.amount < 0:
        raise InvalidValue("negative_price")
    if unit_price.amount > MAX_UNIT_PRICE_MINOR:
        raise InvalidValue("price_too_high", max_minor=MAX_UNIT_PRICE_MINOR)
    if not 0 <= deposit_bp <= 10_000:
        raise InvalidValue("deposit_out_of_range", deposit_bp=deposit_bp)
    if days < 1:
        raise InvalidValue("days_out_of_range", days=days)
    if model is PricingModel.FIXED:
        total, label = unit_price.times(days), f"{days}d" if days > 1 else "1"
    elif model is PricingModel.PER_GUEST:
        if guests is None or guests < 1:
            raise InvalidValue("guests_required")
        check_guests(guests)
        total, label = unit_price.times(guests), f"{guests} guests"
    else:
        if minutes is None or minutes < 1:
            raise InvalidValue("duration_required")
        total, label = unit_price.share(minutes * days, 60), f"{minutes * days} min"
    if total.amount > MAX_TOTAL_MINOR:
        raise InvalidValue("total_too_high", max_minor=MAX_TOTAL_MINOR)
    deposit = total.percent_bp(deposit_bp)
    return Quote(unit_price, label, total, deposit, total - deposit, deposit_bp)


def check_guests(guests: int) -> None:
    """A guest count any service could take: 1 to MAX_GUESTS (a service may narrow it)."""
    if not 1 <= guests <= MAX_GUESTS:
        raise InvalidValue("guests_out_of_range", guests=guests, max=MAX_GUESTS)
