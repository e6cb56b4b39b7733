"""How long an hourly booking lasts: the service's own length, or the client's choice.

A service priced by the hour is booked for as long as the client asks (issue 14): its
``duration_minutes`` is then the shortest booking the provider takes. Other hourly
services (a fixed-price DJ set of 5 h) last exactly their ``duration_minutes``, and
full-day services have no length in minutes.
"""

from __future__ import annotations

from core.booking.quote import PricingModel
from core.booking.terms import ServiceLike
from core.errors import InvalidValue

# A booking by the hour never runs longer than a day: past that it is a typo.
MAX_BOOKED_MINUTES = 24 * 60


def chooses_length(service: ServiceLike) -> bool:
    """Whether the client says how long (an hourly service priced by the hour)."""
    return (
        service.duration_minutes is not None
        and service.pricing_model == PricingModel.PER_HOUR.value
    )


def booked_minutes(service: ServiceLike, minutes: int | None) -> int | None:
    """The length a booking of ``service`` holds; refuses a length it cannot take."""
    if minutes is None:
        return service.duration_minutes
    if not chooses_length(service):
        raise InvalidValue("duration_not_chosen")
    shortest = service.duration_minutes or 0
    if not shortest <= minutes <= MAX_BOOKED_MINUTES:
        raise InvalidValue(
            "duration_out_of_range",
            min_hours=shortest // 60 if shortest % 60 == 0 else shortest / 60,
            max_hours=MAX_BOOKED_MINUTES // 60,
        )
    return minutes
