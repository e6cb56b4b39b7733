"""The order of the discover questions, shared by buttons and free text."""

from __future__ import annotations

from dialogs.framework.context import Ctx
from dialogs.framework.flow import Go


def next_step(ctx: Ctx) -> Go:
    """The first question not yet answered; all answered means results."""
    data = ctx.state.data
    for key in ("category", "city"):
        if not data.get(key):
            return Go(key, "discover")
    if "day" not in data:
        return Go("date", "discover")
    return Go("results", "discover")
