"""A search that finds nothing says what dropping one choice would find (issue 19's walk):
"Any date: 1 provider" rather than only "try fewer filters", which left the client to
guess which one, one filter at a time. Asked only of an empty first page: at most three
more searches, through the same cache as the page."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from core.catalog.search import SearchQuery
from dialogs.framework.context import Ctx
from dialogs.framework.replies import Button
from dialogs.i18n.translator import Translator

# The query's field, and the chat's key for it.
RELAXABLE: Final = (("day", "day"), ("budget_minor", "budget"), ("guests", "guests"))
CODE_PREFIX: Final = "rlx:"


async def relaxation_buttons(ctx: Ctx, query: SearchQuery) -> list[Button]:
    """One button per choice whose removal finds someone, with how many it finds."""
    buttons = []
    for field, key in RELAXABLE:
        if getattr(query, field) is None:
            continue
        without: dict[str, Any] = {field: None, "page": 0}
        found = await ctx.reads.search(replace(query, **without), now=ctx.now)
        if found.total:
            buttons.append(ctx.button(_label(key, found.total, ctx.t), CODE_PREFIX + key))
    return buttons


def _label(key: str, n: int, t: Translator) -> str:
    if key == "day":
        return t.plural("Any date: {n} provider", "Any date: {n} providers", n)
    if key == "budget":
        return t.plural("Any budget: {n} provider", "Any budget: {n} providers", n)
    return t.plural("Any number of guests: {n} provider", "Any number of guests: {n} providers", n)


def relax(data: dict[str, object], code: str) -> bool:
    """Drop the choice a button names from the search's data; False if it names none."""
    key = code.removeprefix(CODE_PREFIX)
    if not code.startswith(CODE_PREFIX) or key not in {k for _, k in RELAXABLE}:
        return False
    if key == "day":
        data["day"] = None  # "any date", as chosen (no date at all would ask for one)
    else:
        data.pop(key, None)
    data["page"] = 0
    return True
