"""Typed messages that are not a search (issue 14): a common question gets the FAQ's
answer, a complaint opens support as one, anything else an honest "I can help with"."""

from __future__ import annotations

from dataclasses import replace

from core.booking.queries import BookingLine
from core.booking.states import BookingState
from dialogs.faq import FAQ_BY_TOPIC
from dialogs.framework.context import Ctx, global_button
from dialogs.framework.flow import Show
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import N_
from dialogs.nlu.asked import Asked
from dialogs.nlu.model import NluResult

# A global button: it opens support from any screen, as /support does.
TO_SUPPORT = "sup"


PRICE_TOPIC = "price"  # dialogs/nlu/asked.py, dialogs/faq.py


def is_search(result: NluResult, asked: Asked) -> bool:
    """Whether the message asks for providers: it names a kind of provider, or says it is
    looking for one. A question naming only a city and a day ("quel temps fait-il à
    Agadir demain ?") is not one; neither is a complaint about a provider."""
    if asked.complaint:
        return False
    if result.category or result.style or asked.wants_search:
        return any((result.category, result.city, result.date, result.guests, result.budget_minor))
    return not asked.question and any(
        (result.city, result.date, result.guests, result.budget_minor)
    )


# Questions asked to do something with a booking ("je veux annuler ma réservation", "je
# veux payer l'acompte"): the answer says it is done from the bookings, so it opens them.
ABOUT_A_BOOKING = frozenset({"payment", "deposit", "cancellation"})
TO_MY_BOOKINGS = "mybookings"  # a global button, as the /mybookings command
# And to pay ("je veux payer l'acompte"): the one booking waiting for a payment, if one is.
PAYING = frozenset({"payment", "deposit"})
DUE = {
    BookingState.ACCEPTED.value: N_("Pay the deposit"),
    BookingState.PAYMENT_DUE.value: N_("Pay the balance"),
}
LOOKED_AT = 20  # the client's latest bookings, where one to pay would be


async def faq_answer(ctx: Ctx, topic: str) -> Show:
    """The FAQ's answer, as the site has it, with the way to a person under it (and to the
    client's bookings, where the answer sends them; to the payment itself when one booking
    waits for it: "je veux payer l'acompte")."""
    reply = _with_support(ctx, faq_text(ctx, topic))
    if topic in ABOUT_A_BOOKING:
        rows = [(global_button("📅 " + ctx.t("My bookings"), TO_MY_BOOKINGS),)]
        due = await _to_pay(ctx) if topic in PAYING else []
        if len(due) == 1:
            label = "💳 " + ctx.t(DUE[due[0].state])
            rows.insert(0, (global_button(label, f"pay:{due[0].id}"),))
        reply = replace(reply, buttons=(*rows, *reply.buttons))
    return Show((reply,))


async def _to_pay(ctx: Ctx) -> list[BookingLine]:
    if ctx.user.id is None:  # a first message: no booking yet
        return []
    lines = await ctx.reads.bookings_of_client(ctx.user.id, limit=LOOKED_AT)
    return [line for line in lines if line.state in DUE]


def faq_text(ctx: Ctx, topic: str) -> str:
    entry = FAQ_BY_TOPIC[topic]
    return ctx.t(entry.question) + "\n" + ctx.t(entry.answer)


def can_help(ctx: Ctx) -> Show:
    """What the bot can do, said plainly, for a message it has no answer to."""
    t = ctx.t
    text = "\n".join(
        [
            t("I can't answer that, sorry. I can help you with:"),
            "• " + t("finding and booking a provider for your event"),
            "• " + t("your bookings, payments and cancellations"),
            "• " + t("questions about deposits, payment and refunds"),
            t("For anything else, our team can help you."),
        ]
    )
    return Show((_with_support(ctx, text),))


def _with_support(ctx: Ctx, text: str) -> Reply:
    return ctx.reply(text, [(global_button("💬 " + ctx.t("Talk to our team"), TO_SUPPORT),)])
