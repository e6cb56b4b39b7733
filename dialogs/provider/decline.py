"""Declining a request: why (a listed reason, read by the client in their language, or
the provider's own words); declined as already booked that day, the day can be closed at
once so that no other client asks for it (dialogs/provider/flows.mmd)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.booking.actions import apply_action
from core.booking.actors import Actor
from core.booking.queries import owned_booking
from core.booking.states import Action, BookingState, Role
from core.catalog.availability_editor import close_days
from core.rows import Booking
from dialogs import labels
from dialogs.framework.context import Ctx
from dialogs.framework.errors import state_label
from dialogs.framework.flow import WRITES, Answer, Flow, Go, Invalid, Outcome, Show, Step
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import N_
from dialogs.provider.owner import own_provider

DIAGRAM = Path(__file__).with_name("flows.mmd")
BUSY = "busy"
DECLINE_REASONS = {
    BUSY: N_("Already booked that day"),
    "far": N_("Too far from my area"),
    "size": N_("The event does not fit my service"),
}


async def _owned(ctx: Ctx, booking_id: int) -> Booking:
    return await owned_booking(ctx.uow, Actor(Role.PROVIDER, ctx.user.id), booking_id)


async def decline(ctx: Ctx, arg: str) -> Outcome:
    """The Decline button under a request (global: the card may be far up the chat)."""
    booking = await _owned(ctx, int(arg) if arg.isdigit() else 0)
    if booking.state != BookingState.REQUESTED:
        answered = ctx.t(
            "This request was already answered (it is now {state}).",
            state=state_label(booking.state, ctx.t),
        )
        return Show((ctx.reply(answered),))
    ctx.state.data = {"booking_id": booking.id}
    return Go("reason", "decline")


async def reason_prompt(ctx: Ctx) -> Reply:
    # The question names its booking: a provider with several requests, on WhatsApp
    # especially (the request card may be far up the chat), must know which one it is about.
    t = ctx.t
    booking = await _owned(ctx, int(ctx.state.data.get("booking_id", 0)))
    question = t(
        "Why do you decline {ref} ({occasion}, {date})? Choose a reason or type your own.",
        ref=booking.reference,
        occasion=labels.event(booking.event_type, t),
        date=t.date(booking.event_date),
    )
    rows = [(ctx.button(t(label), f"why:{code}"),) for code, label in DECLINE_REASONS.items()]
    return ctx.reply(question, [*rows, ctx.nav_row()])


async def reason_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("why:")
    # A listed reason is stored as its msgid, so the client reads it in their own language.
    reason = DECLINE_REASONS.get(code, answer.text or "")
    if not reason.strip():
        return Invalid(ctx.t("Please give a reason."))
    booking = await apply_action(
        ctx.uow,
        int(ctx.state.data.get("booking_id", 0)),
        Action.DECLINE,
        Actor(Role.PROVIDER, ctx.user.id),
        now=ctx.now,
        reason=reason.strip()[:300],
    )
    said = (
        ctx.reply(ctx.t("You declined {ref}. The client has been told.", ref=booking.reference)),
    )
    if code == BUSY:
        ctx.state.data = {"day": booking.event_date.isoformat()}
        return Go("closeday", before=said)
    return Go("home", "phome", before=said, reset=True)


async def closeday_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    day = date.fromisoformat(str(ctx.state.data.get("day")))
    question = t(
        "Close {day} in your availability, so that no other client asks for it?",
        day=t.date(day),
    )
    return ctx.reply(question, [(ctx.button(t("Yes, close it"), "yes"), ctx.button(t("No"), "no"))])


async def closeday_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code not in ("yes", "no"):
        return Invalid(ctx.t("Please answer Yes or No."))
    if answer.code == "no":
        return Go("home", "phome", reset=True)
    day = date.fromisoformat(str(ctx.state.data.get("day")))
    await close_days(ctx.uow, (await own_provider(ctx)).id, day, day)
    said = ctx.t("Closed on {day}. Clients can't book that day.", day=ctx.t.date(day))
    return Go("home", "phome", before=(ctx.reply(said),), reset=True)


FLOW = Flow(
    "decline",
    "reason",
    {
        "reason": Step(reason_prompt, reason_answer, WRITES),
        "closeday": Step(closeday_prompt, closeday_answer, WRITES),
    },
    on_cancel=("phome", "home"),
    diagram=DIAGRAM,
)
