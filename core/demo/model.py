"""The shapes of demo data: providers, their services, opening hours and demo people.

Prices are written in whole dirhams (as a provider would quote them) and converted to
minor units when seeded; everything else maps one to one onto the catalog tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Final

from core.domain.quote import PricingModel


@dataclass(frozen=True, slots=True)
class Text:
    """One piece of copy in the three market languages."""

    ar: str
    fr: str
    en: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form stored in name/title/description columns."""
        return {"ar": self.ar, "fr": self.fr, "en": self.en}


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One thing a provider sells, priced in whole MAD."""

    category: str
    title: Text
    description: Text
    pricing: PricingModel
    price_mad: int
    deposit_bp: int = 3000
    duration_minutes: int | None = None  # None: full day
    days: int = 1
    capacity: int = 1
    notice_hours: int = 72
    buffer_minutes: int = 0
    min_guests: int | None = None
    max_guests: int | None = None
    events: tuple[str, ...] = ()  # event types demo bookings use; () = the category's

    @property
    def price_minor(self) -> int:
        """The unit price in centimes."""
        return self.price_mad * 100


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """A demo provider with its owner, where it works and what it sells."""

    slug: str
    owner: str  # the provider user's display name
    locale: str
    name: Text
    description: Text
    cities: tuple[str, ...]
    languages: tuple[str, ...]
    hours: str  # a key of HOURS
    services: tuple[ServiceSpec, ...]
    photos: int = 2
    policy: tuple[tuple[int, int], ...] | None = None  # (min_days_before, refund_bp)
    status: str = "active"

    @property
    def categories(self) -> tuple[str, ...]:
        """Categories in the order the services first name them."""
        return tuple(dict.fromkeys(s.category for s in self.services))


@dataclass(frozen=True, slots=True)
class PersonSpec:
    """A demo client (or the admin): keyed by e-mail so a second run finds them."""

    key: str
    display_name: str
    locale: str
    email: str


# (weekdays, start, end): ``end <= start`` means the window runs past midnight.
Window = tuple[tuple[int, ...], time, time]

ALL_WEEK: Final = (0, 1, 2, 3, 4, 5, 6)

HOURS: Final[dict[str, tuple[Window, ...]]] = {
    # Studios close on Monday and shoot from morning to late evening.
    "studio": (((1, 2, 3, 4, 5, 6), time(9), time(23)),),
    "daily": ((ALL_WEEK, time(9), time(23)),),
    # Shops: weekdays and Saturday all day, Sunday morning only.
    "shop": (((0, 1, 2, 3, 4, 5), time(8), time(20)), ((6,), time(9), time(13))),
    "venue": ((ALL_WEEK, time(10), time(2)),),
    # DJs: short evenings early in the week, long nights from Thursday.
    "nights": (((0, 1, 2), time(18), time(0)), ((3, 4, 5, 6), time(18), time(2))),
    "band": (((2, 3, 4, 5, 6), time(19), time(3)),),
    # Negafa houses dress brides from Thursday to Sunday.
    "weekend": (((3, 4, 5, 6), time(10), time(2)),),
}


FIXED: Final = PricingModel.FIXED
PER_GUEST: Final = PricingModel.PER_GUEST
PER_HOUR: Final = PricingModel.PER_HOUR


def tiers(*pairs: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """A custom cancellation policy, most generous tier first."""
    return tuple(sorted(pairs, key=lambda p: -p[0]))
