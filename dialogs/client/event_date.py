"""The event date of a search or a booking: a real day, neither past nor beyond the horizon."""

from __future__ import annotations

from datetime import date

from core.booking.availability import beyond_horizon
from dialogs.framework.context import Ctx
from dialogs.framework.errors import MESSAGES
from dialogs.nlu.dates import names_impossible_date


def date_problem(ctx: Ctx, day: date) -> str | None:
    """Why no event can take place on ``day``, whichever provider; None if one can."""
    if day < ctx.today:
        return ctx.t("This date is in the past. Please choose a future date.")
    # Checked before any date arithmetic: "31/12/9999" plus a day would overflow.
    if beyond_horizon(day, ctx.today, ctx.deps.max_days_ahead):
        return ctx.t(MESSAGES["slot_too_far"], max_days=ctx.deps.max_days_ahead)
    return None


async def typed_date(ctx: Ctx, text: str) -> tuple[date | None, str | None]:
    """The date a typed answer gives, or what to say instead: a day the calendar does not
    have ("31 février"), a past day ("hier"), a day too far, or no date at all."""
    parsed = await ctx.deps.nlu.parse(text, today=ctx.today, locale=ctx.user.locale)
    if parsed.date is not None:
        problem = date_problem(ctx, parsed.date)
        return (None, problem) if problem else (parsed.date, None)
    if names_impossible_date(text, ctx.today):
        return None, ctx.t(
            "This date does not exist: that month has fewer days. Please check the day and "
            "the month."
        )
    return None, ctx.t("I could not read that date. Try for example: 14 June, or 14/06/2027.")
