"""The buttons under a decline (issue 14): a similar provider free that day, the date the
provider had proposed, or a new search. Anyone can forge one, so what it names is read
again: an active provider, a real date still ahead."""

from __future__ import annotations

import re
from datetime import date

from core.catalog.vocabulary import CATEGORIES
from dialogs.client.event_date import date_problem
from dialogs.framework.context import Ctx
from dialogs.framework.flow import Go, Invalid, Outcome

ALTERNATIVE = re.compile(r"(\d{1,18}):(\d{4}-\d{2}-\d{2})")
SEARCH_AGAIN = re.compile(r"find:([a-z_]{1,32}):(\d{4}-\d{2}-\d{2})")


async def open_alternative(ctx: Ctx, arg: str) -> Outcome:
    """``alt:<provider>:<day>`` opens that profile with the day chosen; ``alt:find`` a search
    (``alt:find:<category>:<day>``: that category on that day, from the city question)."""
    # As from the main menu: the form in progress is left, and Back leads home.
    ctx.state.flow, ctx.state.step, ctx.state.history = "menu", "main", []
    ctx.state.data = {}
    again = SEARCH_AGAIN.fullmatch(arg)
    if again is not None and again[1] in CATEGORIES:
        # The same kind of provider on the same day, a city asked for (none was free in
        # the booking's); a day gone by since, or forged, is asked again.
        ctx.state.data["category"] = again[1]
        day = _day(again[2])
        if day is not None and date_problem(ctx, day) is None:
            ctx.state.data["day"] = day.isoformat()
        return Go("city", "discover")
    match = ALTERNATIVE.fullmatch(arg)
    if match is None:
        return Go("category", "discover")
    provider = await ctx.reads.active_provider(int(match[1]))
    if provider is None:
        return Invalid(ctx.t("This provider is not available any more."))
    ctx.state.data["provider_id"] = provider.id
    day = _day(match[2])
    if day is not None and date_problem(ctx, day) is None:
        ctx.state.data["day"] = day.isoformat()  # the booking form does not ask it again
    return Go("profile", "discover")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:  # the pattern's digits, not a date ("2026-02-30")
        return None
