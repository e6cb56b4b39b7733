"""Propose another date or price for a request: the new date, the new total, a word for the
client about it (optional), then send.

Either may stay as it is (not both). The date is checked against the provider's calendar
when typed and again by core when sent and when the client accepts.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from core.booking.proposals import check_new_day, check_note, check_total, propose
from core.errors import SlotUnavailable
from core.money import MINOR_DIGITS
from dialogs.client.event_date import date_problem
from dialogs.framework.context import Ctx
from dialogs.framework.errors import explain
from dialogs.framework.flow import WRITES, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Reply
from dialogs.provider.dashboard import DIAGRAM, back_to_booking, current_booking, provider_actor

THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
DECIMALS = re.compile(r"\d+(?:[.,]\d{1,2})?")
CURRENCY_LETTERS = "MADmadDHdhsS.درهم"


def parse_amount(text: str, currency: str) -> int | None:
    """Minor units from an amount as people type it: "4500", "4 500", "4.500" or "4,500"
    (thousands: a price here is never a few dirhams with three decimals), "4500,50" or
    "4500.50" (decimals), "4500 MAD"; None for anything else."""
    # Spaces group digits ("4 500"); a currency around the number ("4500 MAD") is dropped.
    digits = "".join(text.split()).strip(CURRENCY_LETTERS)
    if THOUSANDS.fullmatch(digits):
        value = Decimal(digits.replace(".", "").replace(",", ""))
    elif DECIMALS.fullmatch(digits):
        value = Decimal(digits.replace(",", "."))
    else:
        return None
    return int(value.scaleb(MINOR_DIGITS.get(currency, 2)))


def _day(ctx: Ctx) -> date | None:
    raw = ctx.state.data.get("new_day")
    return date.fromisoformat(raw) if raw else None


async def date_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    booking = await current_booking(ctx)
    text = t(
        "Propose another date for {ref} (now {date}). Type the new date, for example 20 June,"
        " or keep the same date.",
        ref=booking.reference,
        date=t.date(booking.event_date),
    )
    return ctx.reply(text, [(ctx.button(t("Keep the same date"), "same"),), ctx.nav_row()])


async def date_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "same":
        ctx.state.data.pop("new_day", None)
        return Go("price")
    if not answer.text:
        return Invalid(ctx.t("Please type the new date."))
    parsed = await ctx.deps.nlu.parse(answer.text, today=ctx.today, locale=ctx.user.locale)
    if parsed.date is None:
        return Invalid(
            ctx.t("I could not read that date. Try for example: 14 June, or 14/06/2027.")
        )
    problem = date_problem(ctx, parsed.date)
    if problem:
        return Invalid(problem)
    booking = await current_booking(ctx)
    try:
        await check_new_day(
            ctx.uow,
            booking.id,
            provider_actor(ctx),
            parsed.date,
            now=ctx.now,
            max_days_ahead=ctx.deps.max_days_ahead,
        )
    except SlotUnavailable as error:
        return Invalid(explain(error, ctx.t))
    ctx.state.data["new_day"] = parsed.date.isoformat()
    return Go("price")


async def price_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    booking = await current_booking(ctx)
    text = t(
        "Propose another total for {ref} (now {total}). Type the new total, for example 4500,"
        " or keep the same price.",
        ref=booking.reference,
        total=t.money(booking.total_minor, booking.currency),
    )
    return ctx.reply(text, [(ctx.button(t("Keep the same price"), "same"),), ctx.nav_row()])


async def price_answer(ctx: Ctx, answer: Answer) -> Outcome:
    booking = await current_booking(ctx)
    if answer.code == "same":
        ctx.state.data.pop("new_total", None)
    elif answer.text:
        amount = parse_amount(answer.text, booking.currency)
        if amount is None:
            return Invalid(ctx.t("Please type an amount, for example 4500."))
        check_total(amount)
        ctx.state.data["new_total"] = amount
    else:
        return Invalid(ctx.t("Please type the new total."))
    same_day = _day(ctx) in (None, booking.event_date)
    same_total = ctx.state.data.get("new_total") in (None, booking.total_minor)
    if same_day and same_total:
        ctx.state.data.pop("new_day", None)
        return Go("date", before=(ctx.reply(ctx.t("Change the date, the price, or both.")),))
    return Go("note")


async def note_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    text = t(
        "A word for the client about this change? For example: 20 vegetarian plates are"
        " extra. Type it, or skip."
    )
    return ctx.reply(text, [(ctx.button(t("Skip"), "skip"),), ctx.nav_row()])


async def note_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "skip":
        ctx.state.data.pop("note", None)
        return Go("confirm")
    if not answer.text:
        return Invalid(ctx.t("Please type your message, or skip."))
    ctx.state.data["note"] = check_note(answer.text)  # too long: said here, not at Send
    return Go("confirm")


async def confirm_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    booking = await current_booking(ctx)
    day = _day(ctx) or booking.event_date
    total = int(ctx.state.data.get("new_total") or booking.total_minor)
    lines = [t("Send this proposal to the client for {ref}?", ref=booking.reference)]
    if day != booking.event_date:
        lines.append(
            t("Date") + ": " + t("{old} → {new}", old=t.date(booking.event_date), new=t.date(day))
        )
    if total != booking.total_minor:
        old, new = (t.money(x, booking.currency) for x in (booking.total_minor, total))
        lines.append(t("Total") + ": " + t("{old} → {new}", old=old, new=new))
    if ctx.state.data.get("note"):
        lines.append(t("Your message") + ": " + str(ctx.state.data["note"]))
    lines.append(t("If the client accepts, the booking is accepted on these terms."))
    return ctx.reply("\n".join(lines), [(ctx.button("📨 " + t("Send"), "send"),), ctx.nav_row()])


async def confirm_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code != "send":
        return Invalid(ctx.t("Please choose an option."))
    booking = await current_booking(ctx)
    total = ctx.state.data.get("new_total")
    await propose(
        ctx.uow,
        booking.id,
        provider_actor(ctx),
        now=ctx.now,
        day=_day(ctx),
        total_minor=int(total) if total is not None else None,
        note=ctx.state.data.get("note"),
        max_days_ahead=ctx.deps.max_days_ahead,
    )
    for key in ("new_day", "new_total", "note"):
        ctx.state.data.pop(key, None)
    text = ctx.t(
        "Your proposal for {ref} was sent to the client. We will tell you their answer.",
        ref=booking.reference,
    )
    return back_to_booking(ctx, (ctx.reply(text),))


FLOW = Flow(
    "ppropose",
    "date",
    {
        "date": Step(date_prompt, date_answer, WRITES),
        "price": Step(price_prompt, price_answer, WRITES),
        "note": Step(note_prompt, note_answer, WRITES),
        "confirm": Step(confirm_prompt, confirm_answer, WRITES),
    },
    on_cancel=("pdash", "list"),  # Cancel forgets the chat's data, the booking's id too
    diagram=DIAGRAM,
)
