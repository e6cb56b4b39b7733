"""Money, quotes and the cancellation policy: integers only, half-up, nothing lost.

Rounding rule under test: every share (deposit, per-hour proration, refund) is rounded
half *up* (away from zero) to the minor unit, e.g. 0.5 centime -> 1, 2.5 -> 3, never
banker's rounding; the balance is the remainder so deposit + balance == total exactly.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.booking.policy import CancellationPolicy, PolicyTier
from core.booking.quote import (
    MAX_GUESTS,
    MAX_TOTAL_MINOR,
    MAX_UNIT_PRICE_MINOR,
    PricingModel,
    make_quote,
)
from core.booking.states import Role
from core.errors import InvalidValue
from core.money import Money, round_half_up

# --- Money ----------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1.0, 0.1, 12.5, Decimal("10"), "100", True, None])
def test_money_refuses_anything_but_int(amount: Any) -> None:
    with pytest.raises(InvalidValue) as info:
        Money(amount)
    assert info.value.key == "money_not_integer"


def test_money_refuses_unknown_currency() -> None:
    with pytest.raises(InvalidValue) as info:
        Money(100, "XYZ")
    assert info.value.key == "unknown_currency"


def test_money_arithmetic_same_currency() -> None:
    assert Money(150) + Money(50) == Money(200)
    assert Money(150) - Money(200) == Money(-50)
    assert (Money(150) - Money(200)).is_negative
    assert Money(150, "EUR").times(3) == Money(450, "EUR")
    assert Money.zero("USD") == Money(0, "USD")


@pytest.mark.parametrize("op", ["add", "sub"])
def test_currency_mismatch_raises(op: str) -> None:
    mad, eur = Money(100, "MAD"), Money(100, "EUR")
    with pytest.raises(InvalidValue) as info:
        _ = mad + eur if op == "add" else mad - eur
    assert info.value.key == "currency_mismatch"


def test_money_orders_within_one_currency() -> None:
    assert Money(100) < Money(200) <= Money(200) < Money(201)
    assert Money(5, "EUR") > Money(4, "EUR") >= Money(4, "EUR")
    assert sorted([Money(3), Money(-1), Money(2)]) == [Money(-1), Money(2), Money(3)]
    assert not Money(200) < Money(100)


@pytest.mark.parametrize("compare", [operator.lt, operator.le, operator.gt, operator.ge])
def test_money_refuses_to_compare_currencies(compare: Callable[[Any, Any], bool]) -> None:
    with pytest.raises(InvalidValue) as info:
        compare(Money(100, "EUR"), Money(200, "MAD"))
    assert info.value.key == "currency_mismatch"
    with pytest.raises(TypeError):
        compare(Money(1), 2)


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0.00"), (5, "0.05"), (123450, "1234.50"), (-7, "-0.07"), (-100, "-1.00")],
)
def test_major_str(amount: int, text: str) -> None:
    assert Money(amount).major_str() == text


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (1, 2, 1),  # 0.5 -> 1 (banker's would give 0)
        (3, 2, 2),  # 1.5 -> 2
        (5, 2, 3),  # 2.5 -> 3 (banker's would give 2)
        (149, 100, 1),  # 1.49 -> 1
        (150, 100, 2),  # 1.50 -> 2
        (151, 100, 2),
        (249, 100, 2),
        (250, 100, 3),  # 2.50 -> 3
        (0, 7, 0),
        (-1, 2, -1),  # halves go away from zero on both sides
        (-5, 2, -3),
        (-149, 100, -1),
        (5, -2, -3),
    ],
)
def test_round_half_up_boundaries(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_up(numerator, denominator) == expected


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_round_half_up_is_nearest_with_halves_away_from_zero(n: int, d: int) -> None:
    result = round_half_up(n, d)
    # |n/d - result| <= 1/2, and exactly 1/2 only when rounding away from zero.
    diff = 2 * (n - result * d)
    assert -d <= diff <= d
    if abs(diff) == d:
        assert abs(result * d) > abs(n)


@pytest.mark.parametrize(
    ("amount", "bp", "expected"),
    [
        (1005, 5000, 503),  # 502.5 -> 503
        (1003, 5000, 502),  # 501.5 -> 502
        (1, 5000, 1),  # 0.5 -> 1
        (1, 4999, 0),  # 0.4999 -> 0
        (10_001, 3000, 3000),  # 3000.3 -> 3000
        (10_005, 3000, 3002),  # 3001.5 -> 3002
        (500_000, 3000, 150_000),
        (123, 10_000, 123),
        (123, 0, 0),
    ],
)
def test_percent_bp_rounds_half_up(amount: int, bp: int, expected: int) -> None:
    assert Money(amount).percent_bp(bp) == Money(expected)


@pytest.mark.parametrize("denominator", [0, -1])
def test_share_refuses_bad_denominator(denominator: int) -> None:
    with pytest.raises(InvalidValue):
        Money(100).share(1, denominator)


# --- Quotes ---------------------------------------------------------------------------


def test_fixed_quote() -> None:
    q = make_quote(model=PricingModel.FIXED, unit_price=Money(500_000), deposit_bp=3000)
    assert (q.total, q.deposit, q.balance) == (Money(500_000), Money(150_000), Money(350_000))
    assert q.quantity_label == "1"
    assert q.as_dict() == {
        "currency": "MAD",
        "unit_price": 500_000,
        "quantity": "1",
        "total": 500_000,
        "deposit": 150_000,
        "balance": 350_000,
        "deposit_bp": 3000,
    }


def test_fixed_quote_multi_day_and_currency() -> None:
    q = make_quote(
        model=PricingModel.FIXED, unit_price=Money(100_001, "EUR"), deposit_bp=2500, days=3
    )
    assert q.total == Money(300_003, "EUR")
    assert q.deposit == Money(75_001, "EUR")  # 75000.75 -> 75001
    assert q.balance == Money(225_002, "EUR")
    assert q.quantity_label == "3d"


def test_per_guest_quote() -> None:
    q = make_quote(
        model=PricingModel.PER_GUEST, unit_price=Money(15_050), deposit_bp=3333, guests=201
    )
    assert q.total == Money(3_025_050)
    assert q.deposit == Money(1_008_249)  # 1_008_249.165 -> 1_008_249
    assert q.deposit + q.balance == q.total
    assert q.quantity_label == "201 guests"


@pytest.mark.parametrize(
    ("hourly", "minutes", "days", "total"),
    [
        (60_000, 90, 1, 90_000),  # 1.5 h of 600 MAD
        (60_000, 60, 2, 120_000),  # two days of one hour
        (100, 1, 1, 2),  # 1.666... -> 2
        (100, 2, 1, 3),  # 3.333... -> 3
        (1, 30, 1, 1),  # 0.5 -> 1 (half up)
        (3, 10, 1, 1),  # 0.5 -> 1
        (5, 18, 1, 2),  # 1.5 -> 2
        (7, 30, 1, 4),  # 3.5 -> 4
        (1, 29, 1, 0),  # 0.483 -> 0
        (45_000, 150, 1, 112_500),
    ],
)
def test_per_hour_quote_prorates_by_the_minute(
    hourly: int, minutes: int, days: int, total: int
) -> None:
    q = make_quote(
        model=PricingModel.PER_HOUR,
        unit_price=Money(hourly),
        deposit_bp=5000,
        minutes=minutes,
        days=days,
    )
    assert q.total == Money(total)
    assert q.quantity_label == f"{minutes * days} min"
    assert q.deposit + q.balance == q.total


@pytest.mark.parametrize(
    ("model", "price", "extra", "key"),
    [
        (PricingModel.FIXED, -1, {}, "negative_price"),
        (PricingModel.FIXED, 1, {"deposit_bp": -1}, "deposit_out_of_range"),
        (PricingModel.FIXED, 1, {"deposit_bp": 10_001}, "deposit_out_of_range"),
        (PricingModel.FIXED, 1, {"days": 0}, "days_out_of_range"),
        (PricingModel.PER_GUEST, 1, {}, "guests_required"),
        (PricingModel.PER_GUEST, 1, {"guests": 0}, "guests_required"),
        (PricingModel.PER_HOUR, 1, {}, "duration_required"),
        (PricingModel.PER_HOUR, 1, {"minutes": 0}, "duration_required"),
        # Issue 12: bounds that hold on every database, checked before anything is stored.
        (PricingModel.PER_GUEST, 1, {"guests": MAX_GUESTS + 1}, "guests_out_of_range"),
        (PricingModel.PER_GUEST, 1, {"guests": -5}, "guests_required"),
        (PricingModel.FIXED, MAX_UNIT_PRICE_MINOR + 1, {}, "price_too_high"),
        (PricingModel.PER_GUEST, MAX_UNIT_PRICE_MINOR, {"guests": 11}, "total_too_high"),
        (PricingModel.FIXED, MAX_UNIT_PRICE_MINOR, {"days": 11}, "total_too_high"),
    ],
)
def test_quote_refuses_bad_input(
    model: PricingModel, price: int, extra: dict[str, int], key: str
) -> None:
    kwargs: dict[str, Any] = {"deposit_bp": 0} | extra
    with pytest.raises(InvalidValue) as info:
        make_quote(model=model, unit_price=Money(price), **kwargs)
    assert info.value.key == key


def test_quote_takes_the_largest_sane_booking() -> None:
    """3 000 MAD a guest for 10 000 guests: 3 000 000 000 minor, past int32 but in bounds."""
    q = make_quote(
        model=PricingModel.PER_GUEST, unit_price=Money(300_000), deposit_bp=3000, guests=10_000
    )
    assert q.total == Money(3_000_000_000)
    most = make_quote(
        model=PricingModel.PER_GUEST,
        unit_price=Money(MAX_UNIT_PRICE_MINOR),
        deposit_bp=3000,
        guests=MAX_TOTAL_MINOR // MAX_UNIT_PRICE_MINOR,
    )
    assert most.total == Money(MAX_TOTAL_MINOR)


@given(
    model=st.sampled_from(list(PricingModel)),
    price=st.integers(0, MAX_TOTAL_MINOR // MAX_GUESTS),  # every quote stays in bounds
    currency=st.sampled_from(["MAD", "EUR", "USD"]),
    deposit_bp=st.integers(0, 10_000),
    guests=st.integers(1, 10_000),
    minutes=st.integers(1, 24 * 60),
    days=st.integers(1, 7),
)
def test_deposit_plus_balance_is_total(
    model: PricingModel,
    price: int,
    currency: str,
    deposit_bp: int,
    guests: int,
    minutes: int,
    days: int,
) -> None:
    q = make_quote(
        model=model,
        unit_price=Money(price, currency),
        deposit_bp=deposit_bp,
        guests=guests,
        minutes=minutes,
        days=days,
    )
    assert q.deposit + q.balance == q.total
    assert 0 <= q.deposit.amount <= q.total.amount
    assert q.balance.amount >= 0
    assert {q.total.currency, q.deposit.currency, q.balance.currency} == {currency}
    for m in (q.total, q.deposit, q.balance):
        assert type(m.amount) is int
    # The deposit is the exact share, rounded to the nearest minor unit.
    assert abs(2 * (q.deposit.amount * 10_000 - q.total.amount * deposit_bp)) <= 10_000
    d = q.as_dict()
    assert d["deposit"] + d["balance"] == d["total"]  # type: ignore[operator]


# --- Cancellation policy --------------------------------------------------------------

EVENT = datetime(2026, 7, 10, 18, 0, tzinfo=UTC)  # 19:00 in Casablanca
CASABLANCA = ZoneInfo("Africa/Casablanca")
DEFAULT = CancellationPolicy.default()


@pytest.mark.parametrize(
    ("before", "bp"),
    [
        (timedelta(days=90), 10_000),
        (timedelta(days=30), 10_000),  # exactly 30 days: still the generous tier
        # Days are local calendar days: later the same day is still 30 (7) days before.
        (timedelta(days=30) - timedelta(seconds=1), 10_000),
        (timedelta(days=30, hours=19), 10_000),  # 10 June 00:00 local (event at 19:00)
        (timedelta(days=29, hours=19, seconds=1), 10_000),  # 10 June 23:59:59
        (timedelta(days=29, hours=19), 5_000),  # 11 June 00:00: 29 days before
        (timedelta(days=7), 5_000),  # exactly 7 days
        (timedelta(days=7) - timedelta(seconds=1), 5_000),
        (timedelta(days=6, hours=19, seconds=1), 5_000),  # 3 July 23:59:59
        (timedelta(days=6, hours=19), 0),  # 4 July 00:00: 6 days before
        (timedelta(hours=1), 0),
        (timedelta(0), 0),
        (-timedelta(days=1), 0),  # after the event started
    ],
)
def test_client_tiers(before: timedelta, bp: int) -> None:
    assert DEFAULT.refund_bp(event_start=EVENT, cancelled_at=EVENT - before, by=Role.CLIENT) == bp


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CASABLANCA)


@pytest.mark.parametrize(
    ("event", "cancelled", "bp"),
    [
        # Ramadan 2026 (UTC+0 from 15 Feb to 22 Mar) to after it (UTC+1): 30 calendar
        # days at the same local hour are only 29 d 23 h of UTC.
        (local(2026, 4, 5, 20), local(2026, 3, 6, 20), 10_000),
        (local(2026, 4, 5, 20), local(2026, 3, 6, 23, 59), 10_000),
        (local(2026, 4, 5, 20), local(2026, 3, 7, 0, 0), 5_000),
        # ... and the same for the 7-day tier across the change back on 22 March.
        (local(2026, 3, 25, 20), local(2026, 3, 18, 20), 5_000),
        (local(2026, 3, 25, 20), local(2026, 3, 19, 0, 0), 0),
        # Into Ramadan (15 Feb): 30 days of wall clock are 30 d 1 h of UTC; one
        # calendar day less is still one day less.
        (local(2026, 3, 1, 20), local(2026, 1, 30, 20), 10_000),
        (local(2026, 3, 1, 20), local(2026, 1, 31, 0, 0), 5_000),
        # The event's *local* day counts: a 00:30 start is on the 10th, not the 9th UTC.
        (local(2026, 7, 10, 0, 30), local(2026, 6, 10, 23, 0), 10_000),
        (local(2026, 7, 10, 0, 30), local(2026, 6, 11, 0, 0), 5_000),
    ],
)
def test_client_tiers_count_local_calendar_days(
    event: datetime, cancelled: datetime, bp: int
) -> None:
    utc_event, utc_cancelled = event.astimezone(UTC), cancelled.astimezone(UTC)
    got = DEFAULT.refund_bp(event_start=utc_event, cancelled_at=utc_cancelled, by=Role.CLIENT)
    assert got == bp


def test_no_tier_once_the_event_has_started() -> None:
    """On the event's own day a 0-day tier applies until the start, not after it."""
    policy = CancellationPolicy((PolicyTier(0, 1_000),))
    at_start = policy.refund_bp(event_start=EVENT, cancelled_at=EVENT, by=Role.CLIENT)
    after = policy.refund_bp(
        event_start=EVENT, cancelled_at=EVENT + timedelta(minutes=1), by=Role.CLIENT
    )
    assert (at_start, after) == (1_000, 0)


@pytest.mark.parametrize("by", [Role.PROVIDER, Role.SYSTEM])
@pytest.mark.parametrize("before", [timedelta(days=60), timedelta(days=3), -timedelta(hours=2)])
def test_provider_cancelling_refunds_everything(by: Role, before: timedelta) -> None:
    refund = DEFAULT.refund(
        paid=Money(150_001), event_start=EVENT, cancelled_at=EVENT - before, by=by
    )
    assert refund == Money(150_001)


@pytest.mark.parametrize(
    ("paid", "before", "refund"),
    [
        (150_000, timedelta(days=31), 150_000),
        (150_000, timedelta(days=10), 75_000),
        (150_001, timedelta(days=10), 75_001),  # 75000.5 -> 75001
        (150_003, timedelta(days=10), 75_002),  # 75001.5 -> 75002
        (150_000, timedelta(days=2), 0),
        (0, timedelta(days=40), 0),
    ],
)
def test_client_refund_amounts(paid: int, before: timedelta, refund: int) -> None:
    got = DEFAULT.refund(
        paid=Money(paid), event_start=EVENT, cancelled_at=EVENT - before, by=Role.CLIENT
    )
    assert got == Money(refund)


def test_policy_from_json_sorts_and_validates() -> None:
    policy = CancellationPolicy.from_json(
        [{"min_days_before": 0, "refund_bp": 1000}, {"min_days_before": 14, "refund_bp": 8000}]
    )
    assert policy.tiers == (PolicyTier(14, 8000), PolicyTier(0, 1000))
    assert CancellationPolicy.from_json(policy.to_json()) == policy
    at = EVENT - timedelta(days=3)
    assert policy.refund_bp(event_start=EVENT, cancelled_at=at, by=Role.CLIENT) == 1000
    assert CancellationPolicy.from_json(None) == DEFAULT
    assert CancellationPolicy.from_json([]) == DEFAULT
    assert DEFAULT.to_json() == [
        {"min_days_before": 30, "refund_bp": 10_000},
        {"min_days_before": 7, "refund_bp": 5_000},
        {"min_days_before": 0, "refund_bp": 0},
    ]


@pytest.mark.parametrize(
    "tier",
    [
        {"min_days_before": -1, "refund_bp": 100},
        {"min_days_before": 3, "refund_bp": 10_001},
        {"min_days_before": 3, "refund_bp": -5},
    ],
)
def test_policy_from_json_refuses_bad_tiers(tier: dict[str, int]) -> None:
    with pytest.raises(InvalidValue):
        CancellationPolicy.from_json([tier])


@given(
    paid=st.integers(0, 10**9),
    seconds_before=st.integers(-(10**7), 10**8),
    by=st.sampled_from([Role.CLIENT, Role.PROVIDER, Role.SYSTEM, Role.ADMIN]),
)
def test_refund_never_exceeds_what_was_paid(paid: int, seconds_before: int, by: Role) -> None:
    refund = DEFAULT.refund(
        paid=Money(paid),
        event_start=EVENT,
        cancelled_at=EVENT - timedelta(seconds=seconds_before),
        by=by,
    )
    assert 0 <= refund.amount <= paid
