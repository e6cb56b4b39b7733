"""Accept and Mark as delivered: a provider's answers to a booking, from its buttons.

Declared `journaled` (dialogs/provider/app.py): on the read-only path the booking is read
and the answer checked, so the provider is told at once, then the answer is handed to the
chat journal, which writes it with the chat's state in its batch
(core/booking/provider_answer.py). In a transaction, `apply_action` writes it: an Accept
whose provider connected a calendar (read again first: calendar.fetch_before_accept), and
an answer the journal refused (the booking moved on meanwhile), which then says why.
"""

from __future__ import annotations

from core.booking.actions import apply_action
from core.booking.actors import Actor
from core.booking.provider_answer import ProviderAnswer, answer_later, check_answer
from core.booking.states import Action, Role
from dialogs.framework.context import Ctx
from dialogs.framework.flow import Go, Outcome, Show
from dialogs.provider import calendar


async def accept(ctx: Ctx, arg: str) -> Outcome:
    booking_id = int(arg) if arg.isdigit() else 0
    if not ctx.in_transaction:
        if ctx.user.id in await ctx.reads.calendar_owners():
            ctx.needs_transaction = True  # the calendar is read again before its transaction
            return Show(())
        return _accepted(ctx, await _answer_later(ctx, booking_id, Action.ACCEPT))
    refused = await calendar.calendar_refuses_accept(ctx, booking_id)
    if refused is not None:  # busy in their own calendar meanwhile (read again just now)
        return Go("home", "phome", before=(refused,), reset=True)
    booking = await apply_action(
        ctx.uow, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, ctx.user.id), now=ctx.now
    )
    return _accepted(ctx, booking.reference)


async def mark_delivered(ctx: Ctx, arg: str) -> Outcome:
    booking_id = int(arg) if arg.isdigit() else 0
    if not ctx.in_transaction:
        return _delivered(ctx, await _answer_later(ctx, booking_id, Action.MARK_DELIVERED))
    booking = await apply_action(
        ctx.uow, booking_id, Action.MARK_DELIVERED, Actor(Role.PROVIDER, ctx.user.id), now=ctx.now
    )
    return _delivered(ctx, booking.reference)


async def _answer_later(ctx: Ctx, booking_id: int, action: Action) -> str:
    """Check the answer on what is read now and hand it to the journal; its reference.
    A DomainError here is the same refusal `apply_action` would give."""
    booking = await ctx.reads.provider_booking(ctx.user.id, booking_id)
    decision = check_answer(booking.state, action, booking.starts_at, ctx.now)
    answer = ProviderAnswer(booking.id, action, ctx.user.id, ctx.now)
    ctx.journal_write = answer_later(answer, ctx.deps.deadlines)
    ctx.moved[booking.id] = (decision.source.value, decision.target.value)
    return booking.reference


def _accepted(ctx: Ctx, reference: str) -> Outcome:
    text = ctx.t("You accepted {ref}. The client has been asked to pay the deposit.", ref=reference)
    return Go("home", "phome", before=(ctx.reply(text),), reset=True)


def _delivered(ctx: Ctx, reference: str) -> Outcome:
    text = ctx.t(
        "{ref} is marked as delivered. The client will be asked to confirm.", ref=reference
    )
    return Go("home", "phome", before=(ctx.reply(text),), reset=True)
