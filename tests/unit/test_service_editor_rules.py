"""Issue 13: what the services and availability editors read from typed answers, and the
bounds core holds them to (no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from core.booking.policy import CancellationPolicy, PolicyPreset, preset_of, preset_policy
from core.booking.quote import PricingModel
from core.catalog.availability_editor import hours_problem, run_problem
from core.catalog.service_rules import MAX_PRICE_MINOR, ServiceSpec, spec_problem
from dialogs.i18n.translator import translator
from dialogs.labels import notice_text
from dialogs.provider import typed_numbers as typed
from dialogs.provider.availability import parse_spans, run_of

SPEC = ServiceSpec(
    category="photographer",
    title={"fr": "Reportage"},
    description={"fr": "Toute la journée"},
    pricing=PricingModel.FIXED,
    price_minor=500_000,
    deposit_bp=3000,
    duration_minutes=None,
    daily_capacity=1,
    min_guests=None,
    max_guests=None,
    min_notice_hours=48,
    buffer_minutes=0,
    policy=PolicyPreset.MODERATE,
)


@pytest.mark.parametrize(
    ("text", "minor"),
    [("2500", 250_000), ("2 500 dh", 250_000), ("٢٥٠٠ درهم", 250_000), ("1.500,50 MAD", 150_050)],
)
def test_prices_in_dirhams(text: str, minor: int) -> None:
    assert typed.price_minor(text) == minor


@pytest.mark.parametrize("text", ["cinq mille", "25OO", "-300", "1,2,3"])
def test_what_is_not_a_price(text: str) -> None:
    assert typed.price_minor(text) is None


@pytest.mark.parametrize(
    ("text", "unit", "minutes"),
    [
        ("2h30", 60, 150),
        ("90 min", 60, 90),
        ("3", 60, 180),
        ("3 jours", 60, 4320),
        ("45", 1, 45),
        # a notice said in words: a week (Darija, French), two days (Arabic's dual)
        ("سيمانة", 60, 7 * 24 * 60),
        ("une semaine", 60, 7 * 24 * 60),
        ("2 semaines", 60, 14 * 24 * 60),
        ("يومين", 60, 2 * 24 * 60),
        ("deux jours", 60, 2 * 24 * 60),
        ("ساعتين", 60, 120),
    ],
)
def test_durations(text: str, unit: int, minutes: int) -> None:
    assert typed.minutes(text, unit_minutes=unit) == minutes


def test_guest_ranges() -> None:
    assert typed.guest_range("de 50 à 300") == (50, 300)
    assert typed.guest_range("300") == (None, 300)
    assert typed.guest_range("beaucoup") is None


@pytest.mark.parametrize(
    ("text", "share"),
    [("30", 30), ("30 %", 30), ("النص", 50), ("la moitié", 50), ("half", 50), ("الربع", 25)],
)
def test_a_deposit_share_in_digits_or_in_words(text: str, share: int) -> None:
    assert typed.percent(text) == share


def test_a_letter_alone_is_no_duration() -> None:
    assert (
        typed.minutes("j", unit_minutes=60) is None and typed.minutes("h", unit_minutes=1) is None
    )


def test_what_is_not_a_share() -> None:
    assert typed.percent("beaucoup") is None and typed.percent("نص ساعة") is None


def test_price_bounds_depend_on_the_pricing() -> None:
    per_guest = replace(SPEC, pricing=PricingModel.PER_GUEST, price_minor=20_000_00)
    problem = spec_problem(per_guest)
    assert problem is not None and problem.key == "service_price_too_high"
    assert problem.params == {"max_minor": MAX_PRICE_MINOR[PricingModel.PER_GUEST]}
    assert spec_problem(replace(per_guest, pricing=PricingModel.FIXED)) is None


def test_an_hourly_price_needs_a_duration() -> None:
    hourly = replace(SPEC, pricing=PricingModel.PER_HOUR)
    assert spec_problem(hourly) is not None
    assert spec_problem(replace(hourly, duration_minutes=240)) is None


def test_only_what_changes_is_checked_on_a_stored_service() -> None:
    stored = replace(SPEC, description={})  # from before descriptions were asked for
    assert spec_problem(stored) is not None
    assert spec_problem(replace(stored, price_minor=600_000), since=stored) is None
    too_many = replace(stored, daily_capacity=99)
    problem = spec_problem(too_many, since=stored)
    assert problem is not None and problem.key == "service_capacity_range"


def test_presets_are_told_apart_and_the_default_is_moderate() -> None:
    assert {preset_of(preset_policy(p)) for p in PolicyPreset} == set(PolicyPreset)
    assert preset_policy(PolicyPreset.MODERATE) == CancellationPolicy.default()
    assert preset_of(CancellationPolicy.from_json([{"min_days_before": 1, "refund_bp": 1}])) is None


def test_opening_hours_typed() -> None:
    assert parse_spans("10:00-14:00, 16h-23h") == [(time(10), time(14)), (time(16), time(23))]
    assert parse_spans("20:00 - 02:00") == [(time(20), time(2))]
    assert parse_spans("10:00-14:00 et 16:00-22:30") == [
        (time(10), time(14)),
        (time(16), time(22, 30)),
    ]
    assert parse_spans("toute la journée") is None
    assert parse_spans("10:00-22:00 sauf lundi") is None


def test_opening_hours_checked() -> None:
    assert hours_problem([(time(10), time(14)), (time(16), time(23))]) is None
    overlap = hours_problem([(time(10), time(15)), (time(14), time(23))])
    assert overlap is not None and overlap.key == "hours_overlap"
    empty = hours_problem([(time(10), time(10))])
    assert empty is not None and empty.key == "hours_empty_span"
    # Past midnight is fine for the last range of a day, not before another one.
    assert hours_problem([(time(12), time(15)), (time(20), time(2))]) is None
    bad = hours_problem([(time(20), time(2)), (time(22), time(23))])
    assert bad is not None


def test_closed_runs_and_forged_payloads() -> None:
    assert run_of("r:2027020120270207") == (date(2027, 2, 1), date(2027, 2, 7))
    assert run_of("r:2027023020270301") is None  # 30 February
    assert run_of("x:2027020120270207") is None
    backwards = run_problem(date(2027, 2, 7), date(2027, 2, 1))
    assert backwards is not None and backwards.key == "closed_run_backwards"
    too_long = run_problem(date(2027, 1, 1), date(2028, 1, 2))
    assert too_long is not None and too_long.key == "closed_run_too_long"


@pytest.mark.parametrize(
    ("hours", "fr", "ar"),
    [
        (24, "24 heures", "24 ساعة"),
        (36, "36 heures", "36 ساعة"),
        (48, "2 jours", "يومان"),
        (72, "3 jours", "3 أيام"),
        (168, "7 jours", "7 أيام"),
        (50, "50 heures", "50 ساعة"),
        (24 * 14, "14 jours", "14 يومًا"),
    ],
)
def test_a_notice_is_said_in_days_from_two_whole_days_on(hours: int, fr: str, ar: str) -> None:
    assert notice_text(hours, translator("fr")) == fr
    assert notice_text(hours, translator("ar")).replace("\u2068", "").replace("\u2069", "") == ar
