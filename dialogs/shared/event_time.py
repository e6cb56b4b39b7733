"""When a booking takes place, as both sides read it: the day, and for a service booked by
the hour its start and end in the market's time (a full-day booking has no hours to give)."""

from __future__ import annotations

from datetime import time

from core.catalog.vocabulary import MARKET_TZ
from core.rows import Booking, Service
from dialogs.i18n.translator import Translator


def event_when(
    booking: Booking, service: Service | None, t: Translator, *, until: bool = True
) -> str:
    when = t.date(booking.event_date)
    if service is None or service.duration_minutes is None:
        return when
    when += " " + t("at {time}", time=t.time(booking.starts_at.astimezone(MARKET_TZ)))
    if not until:
        return when
    ends = booking.ends_at.astimezone(MARKET_TZ)
    end = t("until {time}", time=t.time(ends))
    if ends.date() > booking.event_date and ends.time() != time(0):  # a night past midnight
        end += " " + t("(the next day)")
    return t.join((when, end))
