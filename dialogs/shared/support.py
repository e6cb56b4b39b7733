"""Support: optionally pick the booking it is about, write the problem, get a ticket number."""

from __future__ import annotations

from pathlib import Path

from core.booking.queries import client_owns_booking
from core.support.tickets import open_ticket
from dialogs.framework.context import Ctx
from dialogs.framework.flow import SHOWS, WRITES, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Reply


async def booking_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    rows = await ctx.reads.recent_bookings_of_client(ctx.user.id, limit=5)
    buttons = [
        (ctx.button(f"{b.reference} · {t.date(b.event_date, 'short')}", f"sb:{b.id}"),)
        for b in rows
    ]
    return ctx.reply(
        t("Is it about one of your bookings?"),
        [*buttons, (ctx.button(t("Not about a booking"), "sb:0"),), ctx.nav_row()],
    )


async def booking_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("sb:")
    if answer.text:  # they went straight to describing the problem
        return await _open(ctx, answer.text)
    if not code.isdigit():
        return Invalid(ctx.t("Please choose a booking, or 'Not about a booking'."))
    booking_id = int(code)
    if booking_id and not await client_owns_booking(ctx.uow, ctx.user.id, booking_id):
        return Invalid(ctx.t("This booking is not yours."))
    ctx.state.data["ticket_booking"] = booking_id or None
    return Go("message")


async def message_prompt(ctx: Ctx) -> Reply:
    return ctx.reply(ctx.t("Please describe the problem in a few words."), [ctx.nav_row()])


async def message_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.text:
        return Invalid(ctx.t("Please write a few words about the problem."))
    return await _open(ctx, answer.text)


async def _open(ctx: Ctx, text: str) -> Outcome:
    ticket = await open_ticket(
        ctx.uow,
        user_id=ctx.user.id,
        subject=text[:80],
        body=text,
        now=ctx.now,
        booking_id=ctx.state.data.get("ticket_booking"),
    )
    ctx.state.data = {}
    done = ctx.reply(ctx.t("Ticket #{n} is open. Our team will answer you here.", n=ticket.id))
    return Go("main", "menu", before=(done,))


FLOW = Flow(
    name="support",
    first="booking",
    steps={
        # The question reads through ctx.reads; the answer checks ownership, then a ticket.
        "booking": Step(booking_prompt, booking_answer, SHOWS),
        "message": Step(message_prompt, message_answer, WRITES),
    },
    diagram=Path(__file__).with_name("support.mmd"),
)
