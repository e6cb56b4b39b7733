"""The shapes of demo data: providers, their services, opening hours and demo people.

Prices are written in whole dirhams (as a provider would quote them) and converted to
minor units when seeded; everything else maps one to one onto the catalog. The data
itself is in ``demo/data/*.yaml``; ``demo.catalogue`` reads it into these shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from core.booking.quote import PricingModel


@dataclass(frozen=True, slots=True)
class Text:
    """One piece of copy in the three market languages."""

    ar: str
    fr: str
    en: str

    def as_dict(self) -> dict[str, str]:
        """The form stored in name/title/description columns."""
        return {"ar": self.ar, "fr": self.fr, "en": self.en}


# (weekdays, start, end): ``end <= start`` means the window runs past midnight.
Window = tuple[tuple[int, ...], time, time]


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
    style: str | None = None  # a kind within the category: "dakka", "andalou" (bands)

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
    hours: str  # a name in hours.yaml
    windows: tuple[Window, ...]  # what that name stands for
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
