"""Support: open a ticket, write into it while it is open, list your tickets, rate a closed one.

The same flow serves both bots; ``make_flow(audience)`` remembers which one, so that our
answers come back to the bot the user wrote from.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from core.booking.queries import booking_reference
from core.rows import Ticket
from core.support.about_booking import booking_named_in, owns_booking
from core.support.thread import add_user_message, own_ticket, rate_ticket, user_tickets
from core.support.tickets import TicketCategory, open_ticket
from dialogs.framework.context import Ctx
from dialogs.framework.flow import SHOWS, WRITES, Answer, Flow, Go, Invalid, Outcome, Show, Step
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import N_, Translator
from dialogs.nlu.model import Intent

TICKET_STATUS = {
    "open": N_("open"),
    "answered": N_("answered"),
    "closed": N_("closed"),
}


# What a ticket can be about, as each bot's users would say it.
CATEGORY_LABELS = {
    "client": {
        TicketCategory.BOOKING: N_("A booking or a date"),
        TicketCategory.PAYMENT: N_("A payment, a refund or an invoice"),
        TicketCategory.COMPLAINT: N_("A problem with a provider"),
        TicketCategory.ACCOUNT: N_("My account"),
        TicketCategory.OTHER: N_("Something else"),
    },
    "provider": {
        TicketCategory.BOOKING: N_("A request or a booking"),
        TicketCategory.PAYMENT: N_("A deposit, a payout or an invoice"),
        TicketCategory.COMPLAINT: N_("A problem with a client"),
        TicketCategory.ACCOUNT: N_("My provider account or registration"),
        TicketCategory.OTHER: N_("Something else"),
    },
}


def open_complaint(ctx: Ctx, text: str) -> Outcome:
    """Support, as a complaint, keeping what they wrote as the ticket's message: which
    booking it is about is asked, then the ticket opens with it."""
    ctx.state.data = {"ticket_category": TicketCategory.COMPLAINT.value, "ticket_text": text}
    return Go("booking", "support")


def about_booking(ctx: Ctx, booking_id: int) -> Go:
    """Support's message step for a booking already chosen (its screen's "Help with this
    booking"): the ticket names it, and Back from there is that booking's screen again."""
    ctx.state.data.update(ticket_booking=booking_id, ticket_category=TicketCategory.BOOKING.value)
    return Go("message", "support")


HELP_WITH_BOOKING = N_("Help with this booking")


def status_label(status: str, t: Translator) -> str:
    return t(TICKET_STATUS.get(status, status))


async def category_prompt(audience: str, ctx: Ctx) -> Reply:
    t = ctx.t
    rows = [
        (ctx.button(t(label), f"sc:{code}"),) for code, label in CATEGORY_LABELS[audience].items()
    ]
    return ctx.reply(
        t("What is it about?"), [*rows, (ctx.button(t("My tickets"), "sl"),), ctx.nav_row()]
    )


async def category_answer(audience: str, ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "sl":
        return Go("list")
    if answer.text:  # they went straight to describing the problem
        ctx.state.data["ticket_category"] = TicketCategory.OTHER.value
        return await _open(audience, ctx, answer.text)
    code = (answer.code or "").removeprefix("sc:")
    if code not in CATEGORY_LABELS[audience]:
        return Invalid(ctx.t("Please choose what your message is about."))
    ctx.state.data["ticket_category"] = code
    return Go("booking")


async def booking_prompt(audience: str, ctx: Ctx) -> Reply:
    t = ctx.t
    # A provider's ticket is about their business's bookings, a client's about their own.
    rows = await ctx.reads.recent_bookings(ctx.user.id, audience=audience, limit=5)
    buttons = [
        (ctx.button(f"{b.reference} · {t.date(b.event_date, 'short')}", f"sb:{b.id}"),)
        for b in rows
    ]
    return ctx.reply(
        t("Is it about one of your bookings?"),
        [
            *buttons,
            (ctx.button(t("Not about a booking"), "sb:0"),),
            (ctx.button(t("My tickets"), "sl"),),
            ctx.nav_row(),
        ],
    )


async def booking_answer(audience: str, ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "sl":
        return Go("list")
    code = (answer.code or "").removeprefix("sb:")
    if answer.text and not await _only_greets(ctx, answer.text):
        return await _open(audience, ctx, answer.text)  # straight to describing the problem
    if not code.isdigit():
        return Invalid(ctx.t("Please choose a booking, or 'Not about a booking'."))
    booking_id = int(code)
    if booking_id and not await owns_booking(ctx.uow, audience, ctx.user.id, booking_id):
        return Invalid(ctx.t("This booking is not yours."))
    ctx.state.data["ticket_booking"] = booking_id or None
    if ctx.state.data.get("ticket_text"):  # a complaint typed elsewhere is the message
        return await _open(audience, ctx, str(ctx.state.data["ticket_text"]))
    return Go("message")


async def message_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    text = t("Please describe the problem in a few words.")
    chosen = ctx.state.data.get("ticket_booking")
    reference = await booking_reference(ctx.uow, int(chosen)) if chosen else None
    if reference:  # chosen on the list, or the booking's own Help: say which
        text = t("About booking {ref}.", ref=reference) + " " + text
    return ctx.reply(text, [ctx.nav_row()])


async def message_answer(audience: str, ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.text or await _only_greets(ctx, answer.text):
        return Invalid(ctx.t("Please write a few words about the problem."))
    return await _open(audience, ctx, answer.text)


GREETING_WORDS = 3  # "hello?", "salam alikoum": longer, a greeting opens a message


async def _only_greets(ctx: Ctx, text: str) -> bool:
    """ "hello?" typed while support waits: no ticket for our team to answer with "Hello,
    what is the problem?" ("bonjour, le DJ n'est pas venu" is a problem)."""
    if len(text.split()) > GREETING_WORDS:
        return False
    parsed = await ctx.deps.nlu.parse(text, today=ctx.today, locale=ctx.user.locale)
    return parsed.intent is Intent.GREETING


async def _open(audience: str, ctx: Ctx, text: str) -> Outcome:
    if not ctx.state.data.get("ticket_booking"):  # its reference typed rather than chosen
        named = await booking_named_in(ctx.uow, audience, ctx.user.id, text)
        ctx.state.data["ticket_booking"] = named
    ticket = await open_ticket(
        ctx.uow,
        user_id=ctx.user.id,
        subject=text[:80],
        body=text,
        now=ctx.now,
        booking_id=ctx.state.data.get("ticket_booking"),
        audience=audience,
        category=ctx.state.data.get("ticket_category") or TicketCategory.OTHER.value,
    )
    ctx.state.data = {"ticket_id": ticket.id}
    done = ctx.reply(ctx.t("Ticket #{n} is open. Our team will answer you here.", n=ticket.id))
    return Go("thread", before=(done,))


async def thread_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    ticket = await own_ticket(ctx.uow, int(ctx.state.data.get("ticket_id") or 0), ctx.user.id)
    if ticket.status == "closed":
        text = t("Ticket #{n} is closed.", n=ticket.id)
        rows = [] if ticket.rating else [(ctx.button(t("Rate our answer"), "rate"),)]
    else:
        text = t(
            "Ticket #{n} ({status}). Anything you write here is added to it.",
            n=ticket.id,
            status=status_label(ticket.status, t),
        )
        rows = []
    return ctx.reply(text, [*rows, (ctx.button(t("My tickets"), "sl"),), ctx.nav_row()])


async def thread_answer(ctx: Ctx, answer: Answer) -> Outcome:
    ticket_id = int(ctx.state.data.get("ticket_id") or 0)
    if answer.code == "sl":
        return Go("list")
    if answer.code == "rate":
        return Go("rate")
    if not answer.text:
        return Invalid(ctx.t("Please write your message, or go back."))
    await add_user_message(ctx.uow, ticket_id, ctx.user.id, answer.text, now=ctx.now)
    return Show((ctx.reply(ctx.t("Added to ticket #{n}.", n=ticket_id)),))


async def list_prompt(audience: str, ctx: Ctx) -> Reply:
    t = ctx.t
    tickets = await user_tickets(ctx.uow, ctx.user.id, audience)
    if not tickets:
        return ctx.reply(t("You have no support tickets."), [ctx.nav_row()])
    rows = [(ctx.button(_ticket_label(ticket, t), f"st:{ticket.id}"),) for ticket in tickets]
    return ctx.reply(t("Your support tickets:"), [*rows, ctx.nav_row()])


def _ticket_label(ticket: Ticket, t: Translator) -> str:
    return f"#{ticket.id} · {status_label(ticket.status, t)} · {ticket.subject[:24]}"


async def list_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("st:")
    if not code.isdigit():
        return Invalid(ctx.t("Please choose a ticket."))
    ticket = await own_ticket(ctx.uow, int(code), ctx.user.id)
    ctx.state.data["ticket_id"] = ticket.id
    return Go("thread")


async def rate_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    stars = [ctx.button("★" * n, f"rt:{n}") for n in range(1, 6)]
    return ctx.reply(
        t("How happy are you with our answer to ticket #{n}?", n=ctx.state.data.get("ticket_id")),
        [tuple(stars[:3]), tuple(stars[3:]), ctx.nav_row()],
    )


async def rate_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("rt:")
    if not code.isdigit():
        return Invalid(ctx.t("Please choose from one to five stars."))
    ticket_id = int(ctx.state.data.get("ticket_id") or 0)
    await rate_ticket(ctx.uow, ticket_id, ctx.user.id, int(code), now=ctx.now)
    return Go("thread", before=(ctx.reply(ctx.t("Thank you for your rating!")),))


def make_flow(audience: str) -> Flow:
    """The support flow of the client bot ("client") or of the provider bot ("provider")."""
    return Flow(
        name="support",
        first="category",
        steps={
            "category": Step(
                partial(category_prompt, audience), partial(category_answer, audience), SHOWS
            ),
            # The question reads through ctx.reads; the answer checks ownership, then a
            # ticket. The thread, the list and the rating read the user's tickets exactly.
            "booking": Step(
                partial(booking_prompt, audience), partial(booking_answer, audience), SHOWS
            ),
            "message": Step(message_prompt, partial(message_answer, audience), WRITES),
            "thread": Step(thread_prompt, thread_answer, WRITES),
            "list": Step(partial(list_prompt, audience), list_answer, WRITES),
            "rate": Step(rate_prompt, rate_answer, WRITES),
        },
        diagram=Path(__file__).with_name("support.mmd"),
    )


FLOW = make_flow("client")
PROVIDER_FLOW = make_flow("provider")


async def open_thread(ctx: Ctx, arg: str) -> Outcome:
    """The 'Reply' button under our answer (any chat can forge one: ownership is checked)."""
    if not arg.isdigit():
        return Go("list", "support", reset=True)
    ticket = await own_ticket(ctx.uow, int(arg), ctx.user.id)
    ctx.state.flow, ctx.state.step, ctx.state.history = "support", "list", []
    ctx.state.data = {"ticket_id": ticket.id}
    return Go("thread", "support")
