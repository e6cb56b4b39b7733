"""A search that finds nothing says what dropping one choice would find (issue 19's walk):
"Any date: 1 provider" rather than only "try fewer filters", which left the client to
guess which one, one filter at a time. The chat shows them as buttons, the site's
directory as links. Asked only of an empty first page: at most three more searches,
through the same cache as the page."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Final

from core.catalog.search import SearchQuery
from dialogs.framework.context import Ctx
from dialogs.framework.reads import Reads
from dialogs.framework.replies import Button
from dialogs.i18n.translator import Translator

# The query's fields a client may drop, and the chat's key for each.
CHAT_KEYS: Final = {"day": "day", "budget_minor": "budget", "guests": "guests"}
CODE_PREFIX: Final = "rlx:"


async def relaxed_totals(reads: Reads, query: SearchQuery, now: datetime) -> list[tuple[str, int]]:
    """(field, how many providers) for each choice set whose removal finds someone."""
    found = []
    for field in CHAT_KEYS:
        if getattr(query, field) is None:
            continue
        without: dict[str, Any] = {field: None, "page": 0}
        total = (await reads.search(replace(query, **without), now=now)).total
        if total:
            found.append((field, total))
    return found


def relaxed_label(field: str, n: int, t: Translator) -> str:
    if field == "day":
        return t.plural("Any date: {n} provider", "Any date: {n} providers", n)
    if field == "budget_minor":
        return t.plural("Any budget: {n} provider", "Any budget: {n} providers", n)
    return t.plural("Any number of guests: {n} provider", "Any number of guests: {n} providers", n)


async def relaxation_buttons(ctx: Ctx, query: SearchQuery) -> list[Button]:
    return [
        ctx.button(relaxed_label(field, n, ctx.t), CODE_PREFIX + CHAT_KEYS[field])
        for field, n in await relaxed_totals(ctx.reads, query, ctx.now)
    ]


def relax(data: dict[str, object], code: str) -> bool:
    """Drop the choice a button names from the search's data; False if it names none."""
    key = code.removeprefix(CODE_PREFIX)
    if not code.startswith(CODE_PREFIX) or key not in CHAT_KEYS.values():
        return False
    if key == "day":
        data["day"] = None  # "any date", as chosen (no date at all would ask for one)
    else:
        data.pop(key, None)
    data["page"] = 0
    return True
