"""Money as integer minor units plus an ISO currency code; never a float."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidValue

# Minor units per major unit; MAD (like EUR and USD) has two decimals.
MINOR_DIGITS: dict[str, int] = {"MAD": 2, "EUR": 2, "USD": 2}


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str = "MAD"

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidValue("money_not_integer", amount=self.amount)
        if self.currency not in MINOR_DIGITS:
            raise InvalidValue("unknown_currency", currency=self.currency)

    @classmethod
    def zero(cls, currency: str = "MAD") -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidValue("currency_mismatch", left=self.currency, right=other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    # Ordering only within one currency: 100 EUR is not "less than" 200 MAD.
    def __lt__(self, other: object) -> bool:
        return self._amount_of(other) > self.amount

    def __le__(self, other: object) -> bool:
        return self._amount_of(other) >= self.amount

    def __gt__(self, other: object) -> bool:
        return self._amount_of(other) < self.amount

    def __ge__(self, other: object) -> bool:
        return self._amount_of(other) <= self.amount

    def _amount_of(self, other: object) -> int:
        if not isinstance(other, Money):
            raise TypeError(f"cannot compare Money with {type(other).__name__}")
        self._same(other)
        return other.amount

    def times(self, factor: int) -> Money:
        return Money(self.amount * factor, self.currency)

    def share(self, numerator: int, denominator: int) -> Money:
        """``self * numerator / denominator`` rounded half up to the minor unit."""
        if denominator <= 0:
            raise InvalidValue("bad_denominator", denominator=denominator)
        return Money(round_half_up(self.amount * numerator, denominator), self.currency)

    def percent_bp(self, basis_points: int) -> Money:
        """A share in basis points (1 % = 100 bp), rounded half up."""
        return self.share(basis_points, 10_000)

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def major_str(self) -> str:
        """Plain decimal string such as ``1234.50`` (for machines, not for people)."""
        digits = MINOR_DIGITS[self.currency]
        sign = "-" if self.amount < 0 else ""
        whole, frac = divmod(abs(self.amount), 10**digits)
        return f"{sign}{whole}.{frac:0{digits}d}"


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounding halves away from zero."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))
