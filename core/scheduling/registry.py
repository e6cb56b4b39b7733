"""Every sweep the scheduler runs, by stable id."""

from __future__ import annotations

from core.scheduling import (
    sweeps_bookings,
    sweeps_calendars,
    sweeps_events,
    sweeps_ops,
    sweeps_payments,
    sweeps_reviews,
)
from core.scheduling.model import Sweep

# In the order a catch-up runs them: expiry before the reminders that would otherwise
# remind of bookings about to expire.
SWEEPS: tuple[Sweep, ...] = (
    *sweeps_bookings.SWEEPS,
    *sweeps_payments.SWEEPS,
    *sweeps_events.SWEEPS,
    *sweeps_reviews.SWEEPS,
    *sweeps_ops.SWEEPS,
    *sweeps_calendars.SWEEPS,
)
BY_ID: dict[str, Sweep] = {sweep.id: sweep for sweep in SWEEPS}
