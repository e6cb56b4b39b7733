"""My bookings: the list, one booking's details, and cancelling with the refund shown first.

A request the provider answered with other terms (a counter-proposal, issue 13) says so on
the list and on its screen, with the same Accept / Refuse buttons as the news that told
the client: global buttons, so core checks them against the proposal whatever the screen
(a stale one is told it was answered already)."""

from __future__ import annotations

from pathlib import Path

from core.booking.actions import refund_due_on_cancel
from core.booking.actors import Actor
from core.booking.client_lines import SECTIONS, ClientBookingLine
from core.booking.contacts import PartyContact
from core.booking.proposals import ProposalTerms, pending_proposal
from core.booking.queries import (
    contact_for,
    owned_booking,
    provider_of_booking,
    service_of_booking,
)
from core.booking.review_reads import review_news
from core.booking.states import Action, BookingState, Role, decide
from core.errors import DomainError
from core.payments.invoices import booking_documents
from core.payments.refunds import cancel_and_refund
from core.rows import Booking
from dialogs import labels
from dialogs.client.free_text import route_text
from dialogs.client.review import star_buttons, stars
from dialogs.framework.context import Ctx, global_button
from dialogs.framework.errors import state_label
from dialogs.framework.flow import SHOWS, WRITES, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Button, Reply, link_button
from dialogs.i18n.translator import N_, Translator
from dialogs.nlu.asked import read_asked
from dialogs.nlu.model import Intent
from dialogs.notifications.contacts import party_phone
from dialogs.notifications.payment_news import pay_button
from dialogs.shared import support
from dialogs.shared.event_time import event_when
from dialogs.shared.pay import confirm_delivered
from dialogs.shared.proposal_text import proposal_lines, proposal_note

LIST_SIZE = 10
PROPOSAL_WAITING = N_("New terms proposed, waiting for your answer:")


SECTION_TITLES = {
    "open": N_("Open"),
    "past": N_("Past"),
    "cancelled": N_("Cancelled or declined"),
}


def booking_line(line: ClientBookingLine, t: Translator) -> str:
    """Who, what, when and where it stands, on one line (issue 14)."""
    return " · ".join(
        (
            t.isolate(line.reference),
            t.pick(line.provider_name),
            t.pick(line.service_title),
            t.date(line.event_date, "medium"),
            state_label(line.state, t),
        )
    )


def proposal_summary(terms: ProposalTerms, t: Translator) -> str:
    """What the provider proposes, on one line under the booking's own."""
    return t(PROPOSAL_WAITING) + " " + t.join(proposal_lines(terms, t), clauses=True)


def proposal_buttons(terms: ProposalTerms, t: Translator, ref: str = "") -> tuple[Button, ...]:
    """Accept / Refuse, as under the proposal's news (``cpa`` / ``cpr``); on the list each
    names its booking."""
    named = f" · {ref}" if ref else ""
    return (
        global_button("✅ " + t("Accept") + named, f"cpa:{terms.id}"),
        global_button("✖ " + t("Refuse") + named, f"cpr:{terms.id}"),
    )


async def list_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    rows = await ctx.reads.client_booking_lines(ctx.user.id, limit=LIST_SIZE)
    if not rows:
        return ctx.reply(
            t("You have no bookings yet."),
            [(ctx.button("🔎 " + t("Find a provider"), "find"),), ctx.nav_row()],
        )
    lines = [t("Your bookings:")]
    buttons: list[tuple[Button, ...]] = []
    for section in SECTIONS:
        shown = [line for line in rows if line.section == section]
        if not shown:
            continue
        lines += ["", t(SECTION_TITLES[section])]
        for line in shown:
            lines.append("• " + booking_line(line, t))
            if line.proposal is not None:
                lines.append("  ↪ " + proposal_summary(line.proposal, t))
            label = f"{line.reference} · {t.pick(line.provider_name)} · " + t.date(
                line.event_date, "short"
            )
            buttons.append((ctx.button(label, f"bk:{line.id}"),))
            if line.proposal is not None:
                buttons.append(proposal_buttons(line.proposal, t, line.reference))
    lines += ["", t("Open a booking to see it, pay or cancel it.")]
    # No "Cancel" beside the list: it read as cancelling a booking, which is done on the
    # booking itself (issue 14). Back leads home.
    return ctx.reply("\n".join(lines), [*buttons, ctx.nav_row(cancel=False)])


async def list_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    if code == "find":
        ctx.state.data = {}
        return Go("category", "discover")
    if code.startswith("bk:") and code[3:].isdigit():
        booking = await owned_booking(ctx.uow, Actor(Role.CLIENT, ctx.user.id), int(code[3:]))
        ctx.state.data["booking_id"] = booking.id
        return Go("detail")
    # Typed words ("bonjour", "un DJ à Fès", "aide") are a new request, as on the menu.
    return await route_text(ctx, answer, fallback=ctx.t("Please choose a booking."))


async def _own_booking(ctx: Ctx) -> Booking:
    booking_id = int(ctx.state.data.get("booking_id", 0))
    return await owned_booking(ctx.uow, Actor(Role.CLIENT, ctx.user.id), booking_id)


def cancellable(booking: Booking) -> bool:
    try:
        decide(booking.state, Action.CANCEL, Role.CLIENT)
    except DomainError:
        return False
    return True


def _provider_phone(contact: PartyContact | None, t: Translator) -> list[str]:
    """The provider's phone from the deposit on, as the provider's card has the client's:
    the news that gave it may be far up the chat by the day it is needed."""
    if contact is None or not contact.phone:
        return []
    return [t("Phone") + ": " + party_phone(contact, t)]


def _still_to_pay(booking: Booking, t: Translator) -> list[str]:
    """What is left to pay and when, in the words of the request's summary: the client
    asked for it there, and the day it is due that summary is far up the chat."""
    left = booking.total_minor - booking.paid_minor
    if left <= 0:
        return []
    if booking.state == BookingState.ACCEPTED:
        return [t("Deposit to confirm") + ": " + t.money(booking.deposit_minor, booking.currency)]
    if booking.state in (BookingState.CONFIRMED, BookingState.DELIVERED):
        return [t("Balance after the event") + ": " + t.money(left, booking.currency)]
    if booking.state == BookingState.PAYMENT_DUE:
        return [t("Balance to pay now") + ": " + t.money(left, booking.currency)]
    return []


async def detail_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    try:
        booking = await _own_booking(ctx)
    except DomainError:
        return ctx.reply(t("This booking no longer exists."), [ctx.nav_row()])
    provider = await provider_of_booking(ctx.uow, booking)
    service = await service_of_booking(ctx.uow, booking)
    lines = [
        t("Booking {ref}", ref=booking.reference),
        t("Status") + ": " + state_label(booking.state, t),
        t("Provider") + ": " + (t.pick(provider.name) if provider else "—"),
        *_provider_phone(await contact_for(ctx.uow, booking, "client"), t),
        t("Service") + ": " + (t.pick(service.title) if service else "—"),
        t("Occasion") + ": " + labels.event(booking.event_type, t),
        t("Date") + ": " + event_when(booking, service, t),
        *([t("Guests") + ": " + t.number(booking.guests)] if booking.guests else []),
        t("City") + ": " + labels.city(booking.city, t),
        t("Place") + ": " + (booking.venue or "—"),
        t("Total") + ": " + t.money(booking.total_minor, booking.currency),
        t("Paid") + ": " + t.money(booking.paid_minor - booking.refunded_minor, booking.currency),
        *_still_to_pay(booking, t),
    ]
    if booking.refunded_minor:  # what came back, after a cancellation (issue 14)
        lines.append(t("Refunded") + ": " + t.money(booking.refunded_minor, booking.currency))
    if booking.decline_reason:
        lines.append(t("Reason") + ": " + t(booking.decline_reason))  # a listed one is a msgid
    rows: list[tuple[Button, ...]] = []
    proposal = await pending_proposal(ctx.uow, booking)
    if proposal is not None:
        lines += ["", t(PROPOSAL_WAITING), *proposal_lines(proposal, t)]
        lines += proposal_note(proposal, t, "client")
        lines.append(t("Do you accept? If you refuse, your request stays as it was."))
        rows.append(proposal_buttons(proposal, t))
    if booking.state in (BookingState.ACCEPTED, BookingState.PAYMENT_DUE):
        # The global "Pay" (as under the news): its link is made before its transaction.
        rows.append((pay_button(booking, t),))
    elif booking.state == BookingState.DELIVERED and not booking.delivery_confirmed_at:
        rows.append((ctx.button("✅ " + t("Confirm delivery"), "confirm"),))
    elif booking.state == BookingState.COMPLETED:
        # The review request is news far up the chat by now: rating is offered here too.
        review = await review_news(ctx.uow, user_id=ctx.user.id, booking_id=booking.id)
        if review is not None and review.stars is not None:
            said = f"{stars(review.stars)} {review.comment}".strip()
            lines += ["", t("Your review: {review}", review=said)]
        elif review is not None:
            lines += ["", t("Not rated yet: choose a number of stars to rate the provider.")]
            rows += star_buttons(booking.id)
    if ctx.deps.payments is not None:  # far up the chat by now: here, with fresh links
        documents = await booking_documents(
            ctx.uow, booking.id, ctx.deps.payments.links, now=ctx.now
        )
        if documents:  # in the text too: where a channel has no link buttons (WhatsApp)
            lines += ["", t("Invoices and credit notes:")]
            lines += [f"📄 {doc.number}: {doc.url}" for doc in documents]
        rows += [(link_button("📄 " + doc.number, doc.url),) for doc in documents]
    if cancellable(booking):
        rows.append((ctx.button("✖ " + t("Cancel this booking"), "cancel"),))
    rows.append((ctx.button("💬 " + t(support.HELP_WITH_BOOKING), "help"),))
    return ctx.reply("\n".join(lines), [*rows, ctx.nav_row(cancel=False)])


async def detail_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "cancel":
        return Go("cancel")
    if answer.code == "confirm":
        booking = await _own_booking(ctx)
        return Go("detail", before=(ctx.reply(await confirm_delivered(ctx, booking.id)),))
    if answer.code == "help":
        return support.about_booking(ctx, (await _own_booking(ctx)).id)
    said = answer.text
    if said and await _wants_to_cancel(ctx, said) and cancellable(await _own_booking(ctx)):
        return Go("cancel")  # "بغيت نلغي" said on the booking itself
    # "شنو هو العربون؟", a search, "bonjour": understood as on the list and the menu.
    return await route_text(ctx, answer, fallback=ctx.t("Please choose an option."))


async def _wants_to_cancel(ctx: Ctx, text: str) -> bool:
    """Said, not asked: "je veux annuler" cancels; "puis-je annuler ?" gets the FAQ."""
    if read_asked(text).question:
        return False
    parsed = await ctx.deps.nlu.parse(text, today=ctx.today, locale=ctx.user.locale)
    return parsed.intent is Intent.CANCEL


async def cancel_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    booking = await _own_booking(ctx)
    refund = await refund_due_on_cancel(ctx.uow, booking, Actor(Role.CLIENT, ctx.user.id), ctx.now)
    ctx.state.data["cancel_seen_state"] = booking.state  # "Yes" confirms what was shown
    paid = booking.paid_minor - booking.refunded_minor
    if paid:
        text = t(
            "If you cancel now, you get back {refund} of the {paid} you paid. Cancel {ref}?",
            refund=t.money(refund.amount, refund.currency),
            paid=t.money(paid, booking.currency),
            ref=booking.reference,
        )
    else:
        text = t(
            "Nothing has been paid yet, so nothing is charged. Cancel {ref}?", ref=booking.reference
        )
    return ctx.reply(
        text,
        [
            (
                ctx.button(t("Yes, cancel it"), "yes"),
                ctx.button(t("No, keep it"), "no"),
            )
        ],
    )


def back_to_detail(ctx: Ctx, before: tuple[Reply, ...] = ()) -> Go:
    """Yes or No returns to the booking as Back would, so Back from there is the list."""
    if ctx.state.history[-1:] == ["mybookings:detail"]:
        ctx.state.history.pop()
        ctx.state.step = "detail"
    return Go("detail", before=before)


async def cancel_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "no":
        return back_to_detail(ctx)
    if answer.code != "yes":
        return Invalid(ctx.t("Please answer Yes or No."))
    booking, refund = await cancel_and_refund(
        ctx.uow,
        int(ctx.state.data["booking_id"]),
        Actor(Role.CLIENT, ctx.user.id),
        now=ctx.now,
        reason="cancelled by the client",
        seen_state=ctx.state.data.get("cancel_seen_state"),
        payments_on=ctx.deps.payments is not None,
    )
    t = ctx.t
    text = t("Booking {ref} is cancelled.", ref=booking.reference)
    if refund.amount:
        text += " " + t(
            "A refund of {amount} is on its way.", amount=t.money(refund.amount, refund.currency)
        )
    return back_to_detail(ctx, (ctx.reply(text),))


FLOW = Flow(
    name="mybookings",
    first="list",
    steps={
        # The list reads through ctx.reads; a booking's details and answers read exactly.
        "list": Step(list_prompt, list_answer, SHOWS),
        "detail": Step(detail_prompt, detail_answer, WRITES),
        "cancel": Step(cancel_prompt, cancel_answer, WRITES),
    },
    diagram=Path(__file__).with_name("mybookings.mmd"),
)
