"""Free text anywhere: understand it (NLU) and go where the user meant."""

from __future__ import annotations

from core.booking.request_write import NAMED_REFERENCE
from dialogs.client.discover_order import next_step
from dialogs.client.event_date import date_problem
from dialogs.client.guests import guests_problem
from dialogs.client.questions import PRICE_TOPIC, can_help, faq_answer, is_search
from dialogs.framework.context import Ctx
from dialogs.framework.flow import Answer, Go, Invalid, Outcome, Remind, Show
from dialogs.i18n.translator import N_
from dialogs.nlu.asked import read_asked
from dialogs.nlu.model import Intent, NluResult
from dialogs.shared.support import open_complaint

NOT_UNDERSTOOD = N_(
    "Sorry, I did not understand. Choose an option, or write for example: "
    '"caterer in Casablanca for 150 guests".'
)


async def route_text(ctx: Ctx, answer: Answer, *, fallback: str) -> Outcome:
    """Typed text on a step that expects a button: treat it as a new request if it is one."""
    if not answer.text:
        return Invalid(fallback)
    result = await ctx.deps.nlu.parse(answer.text, today=ctx.today, locale=ctx.user.locale)
    asked = read_asked(answer.text)
    if asked.complaint:  # "the photographer never came": support, not a search (issue 14)
        return open_complaint(ctx, answer.text)
    if NAMED_REFERENCE.search(answer.text):  # a reference pasted from a message
        return await _named_booking(ctx, answer.text)
    # "combien coûte un DJ à Fès ?" names what to look for: its results show the prices.
    priced_search = asked.topic == PRICE_TOPIC and has_search_slots(result)
    if asked.topic and (asked.question or not is_search(result, asked)) and not priced_search:
        return await faq_answer(ctx, asked.topic)  # "est-ce que je peux payer en espèces ?"
    if result.intent is Intent.MY_BOOKINGS:
        return Go("list", "mybookings")
    if result.intent is Intent.SUPPORT:
        return Go("category", "support")
    if result.intent is Intent.HELP:
        return Remind(help_text(ctx))
    if result.intent is Intent.CANCEL and ctx.state.flow != "mybookings":
        return Go("list", "mybookings")
    if is_search(result, asked):
        return start_search(ctx, result)
    if result.intent is Intent.GREETING:
        return Go("main", "menu")
    if asked.question or has_search_slots(result):  # off topic: no search made of it
        return can_help(ctx)
    return Invalid(fallback)


async def _named_booking(ctx: Ctx, text: str) -> Outcome:
    """The client's booking a pasted reference names, opened; their bookings when it names
    none of theirs (a reference proves nothing: another client's opens nothing)."""
    named = await ctx.reads.booking_named(ctx.user.id, audience="client", text=text)
    if named is None:
        return Go("list", "mybookings")
    if not ctx.in_transaction:
        # The booking's screen reads it exactly, in a transaction: the update runs again
        # there (nothing done here is kept).
        ctx.needs_transaction = True
        return Show(())
    ctx.state.data["booking_id"] = named
    return Go("detail", "mybookings")


def has_search_slots(result: NluResult) -> bool:
    return any((result.category, result.city, result.date, result.guests, result.budget_minor))


def start_search(ctx: Ctx, result: NluResult) -> Outcome:
    """Fill the search from what was understood and skip the questions it answers."""
    data = ctx.state.data if ctx.state.flow == "discover" else {}
    if result.category:
        data["category"] = result.category
        # "dakka marrakchia": that kind of band, not any band; "orchestre": any again.
        data.pop("style", None)
        if result.style:
            data["style"] = result.style
    if result.city:
        data["city"] = result.city
    problem = date_problem(ctx, result.date) if result.date else None
    if result.date and problem is None:
        data["day"] = result.date.isoformat()
    elif problem:  # past ("hier") or too far: say so, and ask the date again
        ctx.extra_replies.append(ctx.reply(problem))
    elif data.get("category") and data.get("city") and "day" not in data:
        data["day"] = None  # a search that names no date looks at all dates
    guests = guests_problem(ctx, result.guests, None) if result.guests else None
    if guests is not None:
        ctx.extra_replies.append(ctx.reply(guests))
    elif result.guests:
        data["guests"] = result.guests
    if result.budget_minor:
        data["budget"] = result.budget_minor
    if result.event_type:  # kept for the booking form, which then does not ask it again
        data["event_type"] = result.event_type
    data["page"] = 0
    ctx.state.data = data
    return next_step(ctx)


def help_text(ctx: Ctx) -> str:
    t = ctx.t
    return "\n".join(
        [
            t("Mounasabet finds and books event providers for you."),
            t(
                "You can choose an option, or simply write what you need, for example: "
                '"photographer in Rabat on 14 June for 200 guests".'
            ),
            "",
            "/start — " + t("main menu"),
            "/mybookings — " + t("your bookings"),
            "/language — " + t("change language"),
            "/support — " + t("talk to our team"),
            "/tickets — " + t("your support tickets"),
            "/help — " + t("this help"),
        ]
    )
