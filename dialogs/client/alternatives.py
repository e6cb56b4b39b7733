"""The buttons under a decline (issue 14): a similar provider free that day, the date the
provider had proposed, or a new search. Anyone can forge one, so what it names is read
again: an active provider, a real date still ahead."""

from __future__ import annotations

import re
from datetime import date

from dialogs.client.event_date import date_problem
from dialogs.framework.context import Ctx
from dialogs.framework.flow import Go, Invalid, Outcome

ALTERNATIVE = re.compile(r"(\d{1,18}):(\d{4}-\d{2}-\d{2})")


async def open_alternative(ctx: Ctx, arg: str) -> Outcome:
    """``alt:<provider>:<day>`` opens that profile with the day chosen; ``alt:find`` a search."""
    # As from the main menu: the form in progress is left, and Back leads home.
    ctx.state.flow, ctx.state.step, ctx.state.history = "menu", "main", []
    ctx.state.data = {}
    match = ALTERNATIVE.fullmatch(arg)
    if match is None:
        return Go("category", "discover")
    provider = await ctx.reads.active_provider(int(match[1]))
    if provider is None:
        return Invalid(ctx.t("This provider is not available any more."))
    ctx.state.data["provider_id"] = provider.id
    try:
        day = date.fromisoformat(match[2])
    except ValueError:
        day = None
    if day is not None and date_problem(ctx, day) is None:
        ctx.state.data["day"] = day.isoformat()  # the booking form does not ask it again
    return Go("profile", "discover")
