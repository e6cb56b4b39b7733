"""Typed messages that are not a search (issue 14): a common question gets the FAQ's
answer, a complaint opens support as one, anything else an honest "I can help with"."""

from __future__ import annotations

from dataclasses import replace

from dialogs.faq import FAQ_BY_TOPIC
from dialogs.framework.context import Ctx, global_button
from dialogs.framework.flow import Show
from dialogs.framework.replies import Reply
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


def faq_answer(ctx: Ctx, topic: str) -> Show:
    """The FAQ's answer, as the site has it, with the way to a person under it (and to the
    client's bookings, where the answer sends them)."""
    reply = _with_support(ctx, faq_text(ctx, topic))
    if topic in ABOUT_A_BOOKING:
        bookings = global_button("📅 " + ctx.t("My bookings"), TO_MY_BOOKINGS)
        reply = replace(reply, buttons=((bookings,), *reply.buttons))
    return Show((reply,))


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
