"""The event date of a search or a booking: neither past nor beyond the booking horizon."""

from __future__ import annotations

from datetime import date

from core.booking.availability import beyond_horizon
from dialogs.framework.context import Ctx
from dialogs.framework.errors import MESSAGES


def date_problem(ctx: Ctx, day: date) -> str | None:
    """Why no event can take place on ``day``, whichever provider; None if one can."""
    if day < ctx.today:
        return ctx.t("This date is in the past. Please choose a future date.")
    # Checked before any date arithmetic: "31/12/9999" plus a day would overflow.
    if beyond_horizon(day, ctx.today, ctx.deps.max_days_ahead):
        return ctx.t(MESSAGES["slot_too_far"], max_days=ctx.deps.max_days_ahead)
    return None
