"""The client's answers to news: a provider's counter-proposal (Accept / Refuse) and a
delivery to confirm. Buttons under a message: anyone can forge one, so core checks that
the booking is this client's, and that the proposal is still open, under a row lock
(two fast taps do one thing; the second is told it was done)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from core.booking.actors import Actor
from core.booking.proposals import accept_proposal, explain_refusal, refuse_proposal
from core.booking.queries import provider_of_booking
from core.booking.states import Role
from dialogs.client.free_text import route_text
from dialogs.client.menu import AFTER_ACTION
from dialogs.framework.context import Ctx
from dialogs.framework.flow import WRITES, Answer, Flow, Go, Invalid, Outcome, Show, Step
from dialogs.framework.replies import Reply
from dialogs.nlu.model import Intent
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
    """Refuse: the request stays as it was, waiting for the provider's answer; the client
    may then say why, which the provider hears (the "why" step below)."""
    booking = await refuse_proposal(ctx.uow, _id(arg), _client(ctx), now=ctx.now)
    provider = await provider_of_booking(ctx.uow, booking)
    name = ctx.t.pick(provider.name) if provider else "—"
    text = ctx.t(
        "You kept your request {ref} as it was. {provider} has been told and will answer it.",
        ref=booking.reference,
        provider=name,
    )
    # As from the main menu: a form in progress is left; Back (or Skip) leads home.
    ctx.state.flow, ctx.state.step, ctx.state.history = "menu", "main", []
    ctx.state.data = {
        "refused_proposal": _id(arg),
        "provider_name": name,
        "refused_at": ctx.now.isoformat(),
    }
    return Go("why", "refusal", before=(ctx.reply(text),))


async def why_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    text = t(
        "Tell {provider} why, in a few words? It helps them propose again. Or skip.",
        provider=str(ctx.state.data.get("provider_name", "—")),
    )
    return ctx.reply(text, [(ctx.button(t("Skip"), "skip"),)])


def _home(ctx: Ctx, before: tuple[Reply, ...] = ()) -> Go:
    """The menu, without its welcome: the client is in the middle of things."""
    ctx.state.data, ctx.state.history = {AFTER_ACTION: True}, []
    return Go("main", "menu", before=before)


async def why_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "skip":
        return _home(ctx)
    if not answer.text:
        return Invalid(ctx.t("Please write a few words, or skip."))
    if not await _a_reason(ctx, answer.text):  # "bonjour" the next day: not for the provider
        ctx.state.data = {}
        return await route_text(ctx, answer, fallback=ctx.t("Please choose an option."))
    await explain_refusal(
        ctx.uow,
        int(ctx.state.data.get("refused_proposal") or 0),
        _client(ctx),
        answer.text,
        now=ctx.now,
    )
    sent = ctx.t("Sent to {provider}.", provider=str(ctx.state.data.get("provider_name", "—")))
    return _home(ctx, (ctx.reply(sent),))


# Words typed this long after refusing are a new conversation, not the reason.
REASON_WINDOW = timedelta(hours=1)


async def _a_reason(ctx: Ctx, text: str) -> bool:
    """Typed soon after refusing, and more than a greeting."""
    raw = ctx.state.data.get("refused_at")
    if not isinstance(raw, str) or ctx.now - datetime.fromisoformat(raw) > REASON_WINDOW:
        return False
    parsed = await ctx.deps.nlu.parse(text, today=ctx.today, locale=ctx.user.locale)
    return parsed.intent is not Intent.GREETING


REFUSAL_FLOW = Flow(
    name="refusal",
    first="why",
    steps={"why": Step(why_prompt, why_answer, WRITES)},
    diagram=Path(__file__).with_name("refusal.mmd"),
)


async def confirm_delivery(ctx: Ctx, arg: str) -> Outcome:
    """ "Confirm delivery" under the provider's news (with their proof)."""
    return Show((ctx.reply(await confirm_delivered(ctx, _id(arg))),))
