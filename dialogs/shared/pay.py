"""Paying from the chat: deposit and balance links, and confirming a delivery.

"Pay" declares a fetch: the link is made before the step's transaction, with none open
(core/payments/links.py), and the step hands out what was made. Gateway trouble never
undoes what the user did: a missing link is explained here.
"""

from __future__ import annotations

from core.booking.actions import confirm_delivery
from core.booking.actors import Actor
from core.booking.queries import booking_by_id, owned_booking
from core.booking.states import BookingState, Role
from core.payments.balance import confirm_and_charge
from core.payments.links import PendingLink, owed_link
from core.payments.ports import ChargeStatus
from core.rows import Booking
from dialogs.framework.context import Ctx
from dialogs.framework.fetching import Fetching
from dialogs.framework.flow import Outcome, Show
from dialogs.notifications.payment_news import demo_note, pay_button


async def make_pay_link(fetching: Fetching, arg: str) -> None:
    """Before "Pay"'s transaction: the link it hands out, for the chat's own booking."""
    links = fetching.deps.payment_links
    if links is not None and arg.isdigit():
        await links.for_chat(fetching.channel, fetching.external_id, int(arg))


async def current_link(ctx: Ctx, booking: Booking) -> PendingLink | None:
    """The valid link for what the booking owes now, as made before this step (None: the
    gateway failed, the reason logged)."""
    if ctx.deps.payments is None:
        return None
    return await owed_link(ctx.uow, ctx.deps.payments.gateway, booking, ctx.now)


def owes(booking: Booking) -> bool:
    return booking.state in (BookingState.ACCEPTED, BookingState.PAYMENT_DUE)


async def pay_now(ctx: Ctx, arg: str) -> Outcome:
    """The "Pay" button (global ``g|pay:<id>`` or on the booking's screen): a fresh link."""
    t = ctx.t
    actor = Actor(Role.CLIENT, ctx.user.id)
    booking = await owned_booking(ctx.uow, actor, int(arg) if arg.isdigit() else 0)
    if not owes(booking):
        text = t("There is nothing to pay for {ref} right now.", ref=booking.reference)
        return Show((ctx.reply(text),))
    link = await current_link(ctx, booking)
    if link is None:
        text = t("We could not reach the payment service. Please try again in a few minutes.")
        return Show((ctx.reply(text),))
    note = demo_note(t, link.gateway)
    if booking.state == BookingState.ACCEPTED:
        text = t(
            "Pay the deposit of {amount} for {ref} here: {url}",
            amount=t.money(booking.deposit_minor, booking.currency),
            ref=booking.reference,
            url=link.url,
        )
    else:
        text = t(
            "Pay the balance of {amount} for {ref} here: {url}",
            amount=t.money(booking.total_minor - booking.paid_minor, booking.currency),
            ref=booking.reference,
            url=link.url,
        )
    return Show((ctx.reply(text + note, [(pay_button(booking, t, link.url),)]),))


async def confirm_delivered(ctx: Ctx, booking_id: int) -> str:
    """The client confirms the delivery; the balance's charge is queued (the card is
    charged after this step's commit, never inside it); returns what to tell them."""
    t = ctx.t
    actor = Actor(Role.CLIENT, ctx.user.id)
    if ctx.deps.payments is None:
        booking = await confirm_delivery(ctx.uow, booking_id, actor, now=ctx.now)
        return t("Thank you for confirming {ref}.", ref=booking.reference)
    status = await confirm_and_charge(ctx.uow, ctx.deps.payments, booking_id, actor, now=ctx.now)
    booking = await booking_by_id(ctx.uow, booking_id)
    if status is ChargeStatus.SUCCEEDED:  # nothing was left to pay
        return t("Thank you for confirming {ref}.", ref=booking.reference)
    if status is ChargeStatus.PROCESSING:  # the worker charges the card after this commit
        return t(
            "Thank you for confirming {ref}. We are charging the balance of {amount} to your "
            "saved card and will tell you here when it is done.",
            ref=booking.reference,
            amount=t.money(booking.total_minor - booking.paid_minor, booking.currency),
        )
    # No saved card: the notice of the balance due, queued with this, carries a link.
    return t(
        "Thank you for confirming {ref}. We could not charge your saved card: we will send "
        "you a link to pay the balance.",
        ref=booking.reference,
    )
