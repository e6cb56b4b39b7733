"""The ledger's arithmetic: commission and provider share add up to the cent, always."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.money import Money
from core.payments.split import BookingMoney, add_up, split

amounts = st.integers(min_value=0, max_value=10**11)
rates = st.integers(min_value=0, max_value=10_000)


@st.composite
def bookings(draw: st.DrawFn) -> tuple[int, int]:
    paid = draw(amounts)
    return paid, draw(st.integers(min_value=0, max_value=paid))


@given(bookings(), rates)
def test_split_adds_up_to_the_net(booking: tuple[int, int], bp: int) -> None:
    paid, refunded = booking
    line = split(1, Money(paid), Money(refunded), bp)
    assert line.commission + line.provider_share == line.net == paid - refunded
    assert 0 <= line.commission <= line.net
    # Within half a cent of the exact share, rounding half up.
    assert abs(line.commission * 10_000 - line.net * bp) <= 5_000


@given(st.lists(bookings(), max_size=40), rates)
def test_period_totals_are_the_sum_of_the_lines(lines: list[tuple[int, int]], bp: int) -> None:
    rows = [split(i, Money(p), Money(r), bp) for i, (p, r) in enumerate(lines)]
    totals = add_up(rows, currency="MAD")
    assert totals.bookings == len(rows)
    assert totals.paid == sum(p for p, _ in lines)
    assert totals.refunded == sum(r for _, r in lines)
    assert totals.commission + totals.provider_share == totals.net
    assert totals.commission == sum(r.commission for r in rows)


def test_examples() -> None:
    assert split(7, Money(150_000), Money(0), 1000) == BookingMoney(
        7, "MAD", 150_000, 0, 15_000, 135_000
    )
    # 50 % of 1 minor unit is half a unit: rounded half up to one, the provider keeps 0.
    one = split(1, Money(1), Money(0), 5000)
    assert (one.commission, one.provider_share) == (1, 0)
    assert split(1, Money(1), Money(0), 4999).commission == 0
    other = add_up([split(1, Money(100, "EUR"), Money(0, "EUR"), 1000)], currency="MAD")
    assert other.bookings == 0 and other.paid == 0
