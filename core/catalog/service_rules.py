"""What a service may be: the bounds of every answer of the provider's services editor.

Pure checks, no I/O. Each returns the first ``Problem`` (a message key and its
placeholders, which the dialogs translate) or None; the editor's writer applies them all
again before it stores anything, so a forged or stale answer is refused there too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from core.booking.policy import PolicyPreset
from core.booking.quote import MAX_GUESTS, PricingModel
from core.catalog.vocabulary import LANGUAGES, is_category

# Sane prices per unit, in centimes: a price beyond these is a typo (centimes typed as
# dirhams, a zero too many), and the provider is told the bound instead of it being stored.
MIN_PRICE_MINOR = 1_00
MAX_PRICE_MINOR: Mapping[PricingModel, int] = {
    PricingModel.FIXED: 1_000_000_00,  # a whole wedding venue for a day
    PricingModel.PER_GUEST: 10_000_00,
    PricingModel.PER_HOUR: 100_000_00,
}
# The deposit secures the date; below a tenth it secures nothing.
MIN_DEPOSIT_BP, MAX_DEPOSIT_BP = 1_000, 10_000
TITLE_CHARS = (2, 80)
DESCRIPTION_CHARS = (2, 1_000)
MIN_DURATION_MINUTES, MAX_DURATION_MINUTES = 30, 24 * 60
MAX_DAILY_CAPACITY = 20
MAX_NOTICE_HOURS = 90 * 24
MAX_BUFFER_MINUTES = 12 * 60


@dataclass(frozen=True, slots=True)
class Problem:
    key: str
    params: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """Everything a provider says about one service."""

    category: str
    title: Mapping[str, str]  # per language, at least one
    description: Mapping[str, str]
    pricing: PricingModel
    price_minor: int
    deposit_bp: int
    duration_minutes: int | None  # None: full day
    daily_capacity: int
    min_guests: int | None
    max_guests: int | None
    min_notice_hours: int
    buffer_minutes: int
    policy: PolicyPreset


def category_problem(code: str) -> Problem | None:
    return None if is_category(code) else Problem("service_bad_category")


def text_problem(texts: Mapping[str, str], *, description: bool = False) -> Problem | None:
    """Per-language texts: at least one language, each within its length bounds."""
    low, high = DESCRIPTION_CHARS if description else TITLE_CHARS
    filled = {k: v.strip() for k, v in texts.items() if v and v.strip()}
    if not filled:
        return Problem("service_text_missing")
    if any(code not in LANGUAGES for code in filled):
        return Problem("service_text_missing")
    if any(not low <= len(v) <= high for v in filled.values()):
        return Problem("service_text_length", {"min": low, "max": high})
    return None


def price_problem(pricing: PricingModel, minor: int) -> Problem | None:
    if minor < MIN_PRICE_MINOR:
        return Problem("service_price_too_low", {"min_minor": MIN_PRICE_MINOR})
    if minor > MAX_PRICE_MINOR[pricing]:
        return Problem("service_price_too_high", {"max_minor": MAX_PRICE_MINOR[pricing]})
    return None


def deposit_problem(bp: int) -> Problem | None:
    if not MIN_DEPOSIT_BP <= bp <= MAX_DEPOSIT_BP:
        return Problem(
            "service_deposit_range", {"min": MIN_DEPOSIT_BP // 100, "max": MAX_DEPOSIT_BP // 100}
        )
    return None


def duration_problem(minutes: int | None, pricing: PricingModel) -> Problem | None:
    if minutes is None:
        # An hourly price needs the hours it multiplies.
        return (
            Problem("service_hourly_needs_duration") if pricing is PricingModel.PER_HOUR else None
        )
    if not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        return Problem(
            "service_duration_range",
            {"min": MIN_DURATION_MINUTES, "max": MAX_DURATION_MINUTES // 60},
        )
    return None


def capacity_problem(n: int) -> Problem | None:
    if not 1 <= n <= MAX_DAILY_CAPACITY:
        return Problem("service_capacity_range", {"max": MAX_DAILY_CAPACITY})
    return None


def guests_problem(low: int | None, high: int | None) -> Problem | None:
    for n in (low, high):
        if n is not None and not 1 <= n <= MAX_GUESTS:
            return Problem("service_guests_range", {"max": MAX_GUESTS})
    if low is not None and high is not None and low > high:
        return Problem("service_guests_order")
    return None


def notice_problem(hours: int) -> Problem | None:
    if not 0 <= hours <= MAX_NOTICE_HOURS:
        return Problem("service_notice_range", {"max": MAX_NOTICE_HOURS // 24})
    return None


def buffer_problem(minutes: int) -> Problem | None:
    if not 0 <= minutes <= MAX_BUFFER_MINUTES:
        return Problem("service_buffer_range", {"max": MAX_BUFFER_MINUTES // 60})
    return None


def spec_problem(spec: ServiceSpec, *, since: ServiceSpec | None = None) -> Problem | None:
    """The first thing wrong with a whole service, or None. With ``since`` (the service as
    stored), only what changed is checked: a service stored before a rule was tightened
    (an import, the demo) can still have its other fields changed."""

    def changed(*names: str) -> bool:
        return since is None or any(getattr(spec, n) != getattr(since, n) for n in names)

    checks: tuple[tuple[tuple[str, ...], Callable[[], Problem | None]], ...] = (
        (("category",), lambda: category_problem(spec.category)),
        (("title",), lambda: text_problem(spec.title)),
        (("description",), lambda: text_problem(spec.description, description=True)),
        (("pricing", "price_minor"), lambda: price_problem(spec.pricing, spec.price_minor)),
        (("deposit_bp",), lambda: deposit_problem(spec.deposit_bp)),
        (
            ("duration_minutes", "pricing"),
            lambda: duration_problem(spec.duration_minutes, spec.pricing),
        ),
        (("daily_capacity",), lambda: capacity_problem(spec.daily_capacity)),
        (("min_guests", "max_guests"), lambda: guests_problem(spec.min_guests, spec.max_guests)),
        (("min_notice_hours",), lambda: notice_problem(spec.min_notice_hours)),
        (("buffer_minutes",), lambda: buffer_problem(spec.buffer_minutes)),
    )
    for names, check in checks:
        problem = check() if changed(*names) else None
        if problem is not None:
            return problem
    return None
