"""The client's answers to news: a provider's counter-proposal (Accept / Refuse) and a
delivery to confirm. Buttons under a message: anyone can forge one, so core checks that
the booking is this client's, and that the proposal is still open, under a row lock
(two fast taps do one thing; the second is told it was done)."""

from __future__ import annotations

from core.booking.actors import Actor
from core.booking.proposals import accept_proposal, refuse_proposal
from core.booking.queries import provider_of_booking
from core.booking.states import Role
from dialogs.framework.context import Ctx
from dialogs.framework.flow import Outcome, Show
from dialogs.notifications.payment_news import pay_button
from dialogs.shared.pay import confirm_delivered


def _client(ctx: Ctx) -> Actor:
    return Actor(Role.CLIENT, ctx.user.id)


def _id(arg: str) -> int:
    return int(arg) if arg.isdigit() else 0


async def accept_offer(ctx: Ctx, arg: str) -> Outcome:
    """Accept: the request moves to the new date and price and is accepted; pay the deposit."""
    t = ctx.t
    booking = await accept_proposal(
        ctx.uow, _id(arg), _client(ctx), now=ctx.now, max_days_ahead=ctx.deps.max_days_ahead
    )
    text = t(
        "You accepted the new terms: {ref} is booked for {date}, total {total}. Pay the deposit"
        " of {deposit} to confirm it.",
        ref=booking.reference,
        date=t.date(booking.event_date),
        total=t.money(booking.total_minor, booking.currency),
        deposit=t.money(booking.deposit_minor, booking.currency),
    )
    if ctx.deps.payments is None:  # payments off: no link to give
        return Show((ctx.reply(text),))
    # "Pay" makes the link before its own transaction: this one just accepted the terms.
    return Show((ctx.reply(text, [(pay_button(booking, t),)]),))


async def refuse_offer(ctx: Ctx, arg: str) -> Outcome:
    """Refuse: the request stays as it was, waiting for the provider's answer."""
    booking = await refuse_proposal(ctx.uow, _id(arg), _client(ctx), now=ctx.now)
    provider = await provider_of_booking(ctx.uow, booking)
    text = ctx.t(
        "You kept your request {ref} as it was. {provider} has been told and will answer it.",
        ref=booking.reference,
        provider=ctx.t.pick(provider.name) if provider else "—",
    )
    return Show((ctx.reply(text),))


async def confirm_delivery(ctx: Ctx, arg: str) -> Outcome:
    """ "Confirm delivery" under the provider's news (with their proof)."""
    return Show((ctx.reply(await confirm_delivered(ctx, _id(arg))),))
