"""A message typed into the booking form that is not an answer to it (issue 14): a new
search ("en fait je préfère un DJ à Fès") or a question. The form then asks whether to
leave it (book_leave.py) instead of storing the message as the venue or the notes."""

from __future__ import annotations

from core.rows import Service
from dialogs.client.prices import price_text
from dialogs.client.questions import PRICE_TOPIC, faq_text, is_search
from dialogs.framework.context import Ctx
from dialogs.framework.flow import Go, Remind
from dialogs.nlu.asked import Asked, read_asked
from dialogs.nlu.model import NluResult
from dialogs.nlu.styles import CATEGORY_OF_STYLE

ASIDE = "_aside"  # in the form's data while the client is asked: {"text", "step"}
# Steps whose answer is any text, with its longest length: a "No" makes the message that
# answer, and a message naming the form's own kind of provider is one ("the photographer
# of our choice" in the notes).
TEXT_STEPS = {"venue": 300, "notes": 1000}


async def aside_from(ctx: Ctx, text: str, step: str, service: Service | None) -> Go | Remind | None:
    """Go to the "leave the form?" question when ``text`` is a search for another kind of
    provider than the form's (``service``'s category) or a question; None when it is an
    answer.
    A question the FAQ answers ("combien ça coûte ?", "je peux payer en espèces ?") is
    answered in place, above the form's question asked again: nothing is lost. At a step
    answered by any text (the venue, the notes) it may be the answer: asked, as before."""
    asked = read_asked(text)
    result = await ctx.deps.nlu.parse(text, today=ctx.today, locale=ctx.user.locale)
    other_search = _other_search(result, asked, step, service.category if service else None)
    if not (other_search or asked.question or asked.complaint):
        return None
    answered_here = asked.question and asked.topic and not (other_search or asked.complaint)
    if answered_here and asked.topic and step not in TEXT_STEPS:
        said = faq_text(ctx, asked.topic)
        if asked.topic == PRICE_TOPIC and service is not None:  # and this service's price
            said += "\n\n" + service_price(ctx, service)
        return Remind(said)
    ctx.state.data[ASIDE] = {"text": text, "step": step, "search": other_search}
    return Go("leave")


def service_price(ctx: Ctx, service: Service) -> str:
    return ctx.t(
        "{service}: {price}", service=ctx.t.pick(service.title), price=price_text(service, ctx.t)
    )


def _other_search(result: NluResult, asked: Asked, step: str, category: str | None) -> bool:
    """A search said as such ("je cherche", "en fait", a city or a date with it): for
    another kind of provider, or for the form's own kind at a step no text answers
    ("photographe à Casablanca" is not a date). A venue's name ("Salle Al Amal") at the
    venue question, or a note naming the form's own kind, is an answer."""
    named = result.category or (CATEGORY_OF_STYLE[result.style] if result.style else None)
    if named is None or not is_search(result, asked):
        return False
    if step in TEXT_STEPS and (named == category or named == step == "venue"):
        return False
    return asked.wants_search or asked.changed_mind or bool(result.city or result.date)
