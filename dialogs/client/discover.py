"""Discover: category → city → date → results (with filters and sort) → provider profile."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from core.catalog.search import ProviderHit, SearchQuery
from core.catalog.vocabulary import CATEGORIES, CITIES
from core.errors import InvalidValue
from dialogs import labels
from dialogs.client.discover_order import next_step
from dialogs.client.event_date import date_problem, typed_date
from dialogs.client.free_text import route_text
from dialogs.client.guests import guest_count, guests_problem
from dialogs.client.profile import profile_step
from dialogs.client.relaxations import relax, relaxation_buttons
from dialogs.framework.context import Ctx
from dialogs.framework.flow import (
    READS,
    Answer,
    Flow,
    Go,
    Invalid,
    Outcome,
    Step,
)
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import Translator

BUDGETS = (500_000, 1_000_000, 2_000_000, 5_000_000)  # MAD in centimes
GUEST_PRESETS = (50, 100, 200, 300, 500)
SORTS = ("relevance", "price", "rating")
PAGE_SIZE = 5


def _grid(buttons: list[Button], per_row: int = 2) -> list[tuple[Button, ...]]:
    return [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


async def category_prompt(ctx: Ctx) -> Reply:
    buttons = [ctx.button(labels.category(c, ctx.t), f"cat:{c}") for c in CATEGORIES]
    return ctx.reply(ctx.t("What are you looking for?"), [*_grid(buttons), ctx.nav_row()])


async def category_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("cat:")
    if code in CATEGORIES:
        ctx.state.data["category"] = code
        ctx.state.data.pop("style", None)  # a kind named in free text was of the old one
        ctx.state.data["page"] = 0
        return next_step(ctx)
    return await route_text(ctx, answer, fallback=ctx.t("Please choose a category."))


async def city_prompt(ctx: Ctx) -> Reply:
    buttons = [ctx.button(labels.city(c, ctx.t), f"city:{c}") for c in CITIES]
    return ctx.reply(ctx.t("In which city is the event?"), [*_grid(buttons), ctx.nav_row()])


async def city_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("city:")
    if code in CITIES:
        ctx.state.data["city"] = code
        ctx.state.data["page"] = 0
        return next_step(ctx)
    return await route_text(ctx, answer, fallback=ctx.t("Please choose a city."))


async def date_prompt(ctx: Ctx) -> Reply:
    return ctx.reply(
        ctx.t(
            "For which date? Type it (for example: 14 June, next Saturday) or look at all dates."
        ),
        [(ctx.button(ctx.t("Any date"), "day:any"),), ctx.nav_row()],
    )


async def date_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "day:any":
        ctx.state.data["day"] = None
        return next_step(ctx)
    if answer.text:
        day, problem = await typed_date(ctx, answer.text)
        if day is not None:
            return set_day(ctx, day)
        return Invalid(problem or ctx.t("Please type the date of the event."))
    return Invalid(ctx.t("I could not read that date. Try for example: 14 June, or 14/06/2027."))


def set_day(ctx: Ctx, day: date) -> Outcome:
    problem = date_problem(ctx, day)
    if problem is not None:
        return Invalid(problem)
    ctx.state.data["day"] = day.isoformat()
    ctx.state.data["page"] = 0
    return next_step(ctx)


def query_of(ctx: Ctx) -> SearchQuery:
    data = ctx.state.data
    return SearchQuery(
        category=data.get("category"),
        city=data.get("city"),
        day=date.fromisoformat(data["day"]) if data.get("day") else None,
        budget_minor=data.get("budget"),
        guests=data.get("guests"),
        style=data.get("style"),
        sort=data.get("sort", "relevance"),
        page=int(data.get("page", 0)),
        page_size=PAGE_SIZE,
    )


async def results_prompt(ctx: Ctx) -> Reply:
    t, data = ctx.t, ctx.state.data
    if not data.get("category") or not data.get("city"):
        raise InvalidValue("search_incomplete")  # the engine starts again from home
    query = query_of(ctx)
    page = await ctx.reads.search(query, now=ctx.now)
    if page.page == 0 and ctx.deps.searches is not None:
        # A search's first page (pages further on are the same search) counts once for the
        # dashboard's conversion; shown again after Back, it counts again, as a re-read would.
        ctx.deps.searches.count(ctx.today, ctx.channel)
    kind = labels.category(data["category"], t)
    if data.get("style"):  # "Band (Dakka marrakchia)": only that kind is listed
        kind += f" ({labels.style(data['style'], t)})"
    head = t("{category} in {city}", category=kind, city=labels.city(data["city"], t))
    if data.get("day"):
        head += " — " + t.date(date.fromisoformat(data["day"]), "medium")
    filters = []
    if data.get("budget"):
        filters.append(t("budget up to {amount}", amount=t.money(data["budget"])))
    if data.get("guests"):
        filters.append(t("{n} guests", n=t.number(data["guests"])))
    lines = [head + (f" ({t.join(filters)})" if filters else "")]
    relaxed = await relaxation_buttons(ctx, query) if not page.hits and not page.page else []
    if relaxed:
        lines.append(t("No provider matches this search. Without one of your choices:"))
    elif not page.hits:
        lines.append(
            t("No provider matches yet. Try another date, a larger budget, or fewer filters.")
        )
    # Numbered from 1 on every page, as its buttons are: WhatsApp shows them as the same
    # numbers, and a screen has one numbering (issue 19).
    for i, hit in enumerate(page.hits, start=1):
        stars = (
            f" ★{t.decimal(hit.rating_x100 / 100)} ({t.number(hit.rating_count)})"
            if hit.rating_count
            else ""
        )
        lines.append(f"{i}. {t.pick(hit.name)} — " + from_price(hit, data.get("guests"), t) + stars)
    if page.total:
        lines.append(
            t(
                "Page {page} of {pages}",
                page=page.page + 1,
                pages=(page.total + page.page_size - 1) // page.page_size,
            )
        )
    rows: list[tuple[Button, ...]] = [
        (ctx.button(labels.shortened(t.pick(h.name), 40), f"open:{h.provider_id}"),)
        for h in page.hits
    ]
    rows += [(button,) for button in relaxed]
    paging = []
    if page.has_prev:
        paging.append(ctx.button("‹ " + t("Previous"), "page:prev"))
    if page.has_next:
        paging.append(ctx.button(t("Next") + " ›", "page:next"))
    rows.append(tuple(paging))
    sort = data.get("sort", "relevance")
    rows.append(
        (
            ctx.button(t("Budget"), "flt:budget"),
            ctx.button(t("Guests"), "flt:guests"),
            ctx.button(t("Sort: {order}", order=sort_label(sort, ctx)), "sort:next"),
        )
    )
    rows.append((ctx.button(t("Change date"), "flt:date"),))
    rows.append(ctx.nav_row())
    return ctx.reply("\n".join(lines), rows, edit=bool(data.pop("_edit", False)))


def from_price(hit: ProviderHit, guests: int | None, t: Translator) -> str:
    """The lowest price, honestly: by the hour, or by the guest when no count was given,
    never a total for a length or a number of guests the client did not choose."""
    if hit.pricing_model == "per_hour":
        return t("from {price}/h", price=t.money(hit.unit_price_minor, hit.currency))
    if hit.pricing_model == "per_guest" and not guests:
        return t("from {price} per guest", price=t.money(hit.unit_price_minor, hit.currency))
    return t("from {price}", price=t.money(hit.from_price_minor, hit.currency))


def sort_label(sort: str, ctx: Ctx) -> str:
    names = {
        "relevance": ctx.t("best match"),
        "price": ctx.t("lowest price"),
        "rating": ctx.t("best rated"),
    }
    return names.get(sort, sort)


async def results_answer(ctx: Ctx, answer: Answer) -> Outcome:
    data, code = ctx.state.data, answer.code or ""
    if code.startswith("open:") and code[5:].isdigit():
        data["provider_id"] = int(code[5:])
        return Go("profile")
    if code in ("page:next", "page:prev"):
        data["page"] = max(0, int(data.get("page", 0)) + (1 if code == "page:next" else -1))
        data["_edit"] = True
        return Go("results")
    if code == "sort:next":
        data["sort"] = SORTS[(SORTS.index(data.get("sort", "relevance")) + 1) % len(SORTS)]
        data["page"], data["_edit"] = 0, True
        return Go("results")
    if relax(data, code):  # "Any date: 2 providers" under an empty page
        data["_edit"] = True
        return Go("results")
    if code == "flt:budget":
        return Go("budget")
    if code == "flt:guests":
        return Go("guests")
    if code == "flt:date":
        return Go("date")
    return await route_text(ctx, answer, fallback=ctx.t("Please choose a provider or a filter."))


async def budget_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    buttons = [ctx.button(t("Up to {amount}", amount=t.money(b)), f"bud:{b}") for b in BUDGETS]
    return ctx.reply(
        t("What is your budget? Choose or type an amount in dirhams."),
        [*_grid(buttons), (ctx.button(t("No limit"), "bud:0"),), ctx.nav_row()],
    )


async def budget_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code:
        value = _number(answer.code.removeprefix("bud:"))
    else:  # typed: "8000", "8 000 dh", "8k", "8000,00 MAD" — the NLU reads amounts
        text = answer.text or ""
        parsed = await ctx.deps.nlu.parse(text, today=ctx.today, locale=ctx.user.locale)
        plain = _number(text)
        value = parsed.budget_minor if parsed.budget_minor else plain and plain * 100
    if value is None or not 0 <= value <= 10_000_000_000:
        return Invalid(ctx.t("Please type an amount in dirhams, for example 8000."))
    ctx.state.data["budget"] = value
    if not value:
        ctx.state.data.pop("budget")
    ctx.state.data["page"] = 0
    return Go("results")


async def guests_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    buttons = [ctx.button(t.number(g), f"gst:{g}") for g in GUEST_PRESETS]
    return ctx.reply(
        t("How many guests? Choose or type a number."),
        [*_grid(buttons, 3), (ctx.button(t("Any number"), "gst:0"),), ctx.nav_row()],
    )


async def guests_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "gst:0":  # "Any number"
        ctx.state.data.pop("guests", None)
    else:
        count, problem = guest_count(ctx, answer)
        if count is not None:
            problem = guests_problem(ctx, count, None)
        if problem is not None:
            return Invalid(problem)
        ctx.state.data["guests"] = count
    ctx.state.data["page"] = 0
    return Go("results")


def _number(raw: str) -> int | None:
    """A whole number and nothing else ("8000", "8 000", "٨٠٠٠"); None for anything more
    ("5000 à 8000", "8k", "²")."""
    digits = re.sub(r"(?<=\d)[\s\u202f\u00a0](?=\d)", "", raw.strip())
    if not digits or len(digits) > 9 or not all(ch.isdecimal() for ch in digits):
        return None
    return int(digits)  # int() reads any decimal digits, Arabic-Indic ones included


# The search reads the catalog only (ctx.reads); typed text goes through route_text, whose
# screens (the search, the menu, the bookings list, support's first question) only read.
FLOW = Flow(
    name="discover",
    first="category",
    steps={
        "category": Step(category_prompt, category_answer, READS),
        "city": Step(city_prompt, city_answer, READS),
        "date": Step(date_prompt, date_answer, READS),
        "results": Step(results_prompt, results_answer, READS),
        "budget": Step(budget_prompt, budget_answer, READS),
        "guests": Step(guests_prompt, guests_answer, READS),
        "profile": profile_step,
    },
    diagram=Path(__file__).with_name("discover.mmd"),
)
