"""The provider bot's conversation (first part): requests with Accept / Decline."""

from __future__ import annotations

from pathlib import Path

from core.booking.actions import too_early_to_deliver
from core.booking.queries import BookingLine
from core.booking.states import BookingState
from core.people.provider_accounts import connect_provider, provider_of_user
from core.rows import Booking, Provider
from dialogs.client.menu import LANGUAGE, switch_language
from dialogs.framework.context import Ctx, global_button
from dialogs.framework.engine import DialogApp
from dialogs.framework.errors import explain, state_label
from dialogs.framework.flow import (
    Answer,
    Flow,
    Go,
    Invalid,
    Outcome,
    Remind,
    Show,
    Step,
    journaled,
    reading,
    reads_on,
    writing,
)
from dialogs.framework.options import means_back
from dialogs.framework.replies import Button, Reply
from dialogs.framework.reply_language import SWITCH
from dialogs.i18n.translator import Translator
from dialogs.nlu.asked import read_asked
from dialogs.nlu.model import Intent
from dialogs.provider import (
    calendar,
    dashboard,
    decline,
    deliver,
    onboarding,
    profile_editor,
    propose,
    review_reply,
)
from dialogs.provider.answers import accept, mark_delivered
from dialogs.provider.availability import AVAILABILITY_FLOW, open_availability
from dialogs.provider.booking_card import request_card
from dialogs.provider.services import SERVICES_FLOW, open_services
from dialogs.shared import support

LIST_LIMIT = 10


async def my_provider(ctx: Ctx) -> Provider | None:
    return await provider_of_user(ctx.uow, ctx.user.id)


def decision_buttons(booking: Booking, t: Translator) -> tuple[tuple[Button, ...], ...]:
    """What a provider can do about a booking from a message showing it (the new request's
    notice, its reminder, the home's card): a request is accepted, declined, or answered
    with other terms, as from its screen under Bookings."""
    if booking.state == BookingState.REQUESTED:
        return (
            (
                global_button("✅ " + t("Accept"), f"pacc:{booking.id}"),
                global_button("✖ " + t("Decline"), f"pdec:{booking.id}"),
            ),
            # Short, so that the three fit a WhatsApp quick reply (titles of 20 characters).
            (global_button("↪ " + t("Other terms"), f"ppro:{booking.id}"),),
        )
    if booking.state == BookingState.CONFIRMED:
        return ((global_button(t("Mark as delivered"), f"pdel:{booking.id}"),),)
    return ()


async def home_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    home = await ctx.reads.provider_home(ctx.user.id, limit=LIST_LIMIT)
    if home is None:
        text = t(
            "This bot is for Mounasabet providers. To offer your services, tap Register. If "
            "your business is registered already, share the phone number of your provider "
            "account to connect. Questions? Write to us with /support."
        )
        register = ctx.button("📝 " + t("Register as a provider"), "register")
        return ctx.reply(text, [(register,)], request_contact=True)
    if ctx.moved:  # this update's answer, written after this read
        home = home.after(ctx.moved)
    rows = home.open
    text = t(
        "Hello {name}. Requests waiting for your answer: {n}.",
        name=t.pick(home.name),
        n=home.waiting,
    )
    # The buttons below are every open booking (each names its state), not the requests
    # alone: say so, and where the rest are when there are more than the home lists.
    if home.open_total > len(rows):
        text += "\n" + t(
            "Your open bookings: {total}. The {shown} soonest are below; all of them are"
            " under Bookings.",
            total=home.open_total,
            shown=len(rows),
        )
    elif rows:
        text += "\n" + t("Your open bookings, the soonest first:")
    buttons = [
        (
            ctx.button(
                f"{b.reference} · {t.date(b.event_date, 'short')} · " + _awaits(b, t), f"req:{b.id}"
            ),
        )
        for b in rows
    ]
    work = (
        global_button("📋 " + t("Bookings"), "pdash"),
        global_button("💰 " + t("Earnings"), "pearn"),
    )
    business = (
        ctx.button("🧰 " + t("My services"), "svcs"),
        ctx.button("🗓 " + t("Availability"), "avail"),
    )
    settings = (
        ctx.button("📅 " + t("Calendar"), "cal"),
        ctx.button("🌐 " + t("Language"), "lang"),
    )
    # /help and /support were in the help text alone: a provider who never types a
    # command could not find our team from the home.
    team = (ctx.button("❓ " + t("Help"), "help"), ctx.button("💬 " + t("Support"), "support"))
    if not home.services:  # registered, verified perhaps, and still not bookable
        text += "\n" + t(
            "No service of yours is open to bookings, so clients cannot book you: add one, or"
            " resume a paused one, under My services."
        )
    elif not home.opens:
        text += "\n" + t(
            "You are closed every day of the week, so clients cannot book you: set your hours"
            " under Availability."
        )
    if home.status == "pending":
        text += "\n" + t(
            "Your account is waiting for our team's check: clients cannot find you yet."
        )
    profile = (ctx.button("👤 " + t("Profile"), "profile"),)
    return ctx.reply(text, [*buttons, work, business, profile, settings, team])


def _awaits(line: BookingLine, t: Translator) -> str:
    """What a listed booking waits for: its state, or the client's answer to other terms
    (as on the dashboard's line)."""
    return "↪ " + t("proposal sent") if line.proposed else state_label(line.state, t)


async def home_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.contact_phone:
        return await connect_by_phone(ctx, answer.contact_phone)
    code = answer.code or ""
    if code == "lang":
        return Go("choose", "language")
    if code == "svcs":
        return Go("list", "psvc")
    if code == "avail":
        return Go("week", "pavail")
    if code == "cal":
        return Go("menu", "pcal")
    if code == "register":
        return await register(ctx, "")
    if code == "profile":
        return await open_profile(ctx, "")
    if code == "help":
        return await show_help(ctx, "")
    if code == "support":
        return await talk_to_us(ctx, "")
    if code.startswith("req:") and code[4:].isdigit():
        return await open_request(ctx, code[4:])
    named = answer.text and await ctx.reads.booking_named(
        ctx.user.id, audience="provider", text=answer.text
    )
    if named:  # a reference pasted ("MSB-36E7BXG", from a call or a ticket): its card
        return await open_request(ctx, str(named))
    said = await _intent(ctx, answer.text) if answer.text else None
    if answer.text and (means_back(answer.text) or said is Intent.GREETING):
        # "Salam", each morning on WhatsApp, or "retour" under a card shown from the home
        # (it has no Back of its own): the home again, without a reproach.
        return Go("home")
    if said is Intent.HELP:  # "aide", "help"
        return await show_help(ctx, "")
    if answer.text and read_asked(answer.text).complaint:
        # "the client never showed up": a ticket with these words, as the client's
        return support.open_complaint(ctx, answer.text)
    if said is Intent.SUPPORT:  # "support", "j'ai un problème avec un client"
        return await talk_to_us(ctx, "")
    # The home as last shown: with no request on it, there is none to choose.
    listed = any(payload.partition("|")[2].startswith("req:") for _, payload in ctx.state.options)
    if not listed:
        return Invalid(ctx.t("Please choose an option."))
    return Invalid(ctx.t("Please choose a request or an option from the list."))


async def _intent(ctx: Ctx, text: str) -> Intent:
    parsed = await ctx.deps.nlu.parse(text, today=ctx.today, locale=ctx.user.locale)
    return parsed.intent


async def connect_by_phone(ctx: Ctx, phone: str) -> Outcome:
    """A provider proves their number (the channel verified it) and gets their menu."""
    ctx.user, provider = await connect_provider(
        ctx.uow,
        ctx.user,
        channel=ctx.channel,
        external_id=ctx.external_id,
        raw_phone=phone,
        now=ctx.now,
    )
    if provider is None:
        return Invalid(ctx.t("No provider account uses this phone number."))
    connected = (ctx.reply(ctx.t("Your account is connected.")),)
    return Go("home", "phome", reset=True, before=connected)


async def open_request(ctx: Ctx, arg: str) -> Outcome:
    if not arg.isdigit():
        return Invalid(ctx.t("This booking no longer exists."))
    card = await ctx.reads.request_card(ctx.user.id, int(arg))
    text = request_card(card.booking, card.service, ctx.t, card.client)
    buttons = decision_buttons(card.booking, ctx.t)
    early = too_early_to_deliver(card.booking, ctx.now)
    if card.booking.state == BookingState.CONFIRMED and early is not None:
        # Not a button that can only be refused: from when it can be marked delivered.
        text += "\n\n" + explain(early, ctx.t)
        buttons = ()
    if not buttons:
        # Nothing to decide (an accepted booking awaits its deposit): the dashboard's screen
        # of it (paid, history, help with the booking), not a card without any option, a
        # dead end on WhatsApp. A request keeps its three answers alone: one quick reply.
        more = global_button("🔎 " + ctx.t("Details and history"), f"pbk:{card.booking.id}")
        buttons = ((more,),)
    return Show((Reply(text, buttons, rtl=ctx.t.rtl),))


def opens_a_request(answer: Answer) -> bool:
    """The home's answers that only read: a request opened from its list."""
    return (answer.code or "").startswith("req:")


async def start(ctx: Ctx, _: str) -> Outcome:
    return Go("home", "phome", reset=True)


async def show_help(ctx: Ctx, _: str) -> Outcome:
    t = ctx.t
    text = "\n".join(
        [
            t("This bot brings you the booking requests of your Mounasabet clients."),
            t("Open a request to accept or decline it; mark confirmed bookings as delivered."),
            "",
            "/start — " + t("your requests"),
            "/services — " + t("your services and prices"),
            "/availability — " + t("your opening hours and closed days"),
            "/calendar — " + t("your calendars: import, export"),
            "/bookings — " + t("your bookings, paged"),
            "/earnings — " + t("your earnings"),
            "/profile — " + t("your profile and photos"),
            "/register — " + t("become a provider"),
            "/language — " + t("change language"),
            "/support — " + t("talk to our team"),
            "/tickets — " + t("your support tickets"),
            "/help — " + t("this help"),
        ]
    )
    return Remind(text)  # above the current question, asked again, as the client's help


async def register(ctx: Ctx, _: str) -> Outcome:
    """/register: the onboarding, for whoever runs no provider yet."""
    if await my_provider(ctx) is not None:
        said = (ctx.reply(ctx.t("You are registered already: here is your profile.")),)
        return Go("menu", "pprofile", reset=True, before=said)
    return Go("name", "onboard", reset=True)


async def open_profile(ctx: Ctx, _: str) -> Outcome:
    """/profile: the profile editor, for providers (home, with Register, for the others)."""
    if await my_provider(ctx) is None:
        return Go("home", "phome", reset=True)
    return Go("menu", "pprofile", reset=True)


async def language(ctx: Ctx, _: str) -> Outcome:
    return Go("choose", "language", reset=True)


async def talk_to_us(ctx: Ctx, _: str) -> Outcome:
    """/support: the same ticket form as the client bot's (registration questions too)."""
    return Go("category", "support", reset=True)


DIAGRAM = Path(__file__).with_name("flows.mmd")


async def my_tickets(ctx: Ctx, _: str) -> Outcome:
    """/tickets: the provider's own support tickets."""
    return Go("list", "support", reset=True)


PROVIDER_APP = DialogApp(
    flows={
        "phome": Flow(
            "phome",
            "home",
            {"home": Step(home_prompt, home_answer, reads_on(opens_a_request))},
            on_cancel=("phome", "home"),
            diagram=DIAGRAM,
        ),
        "decline": decline.FLOW,
        "language": LANGUAGE,
        "support": support.PROVIDER_FLOW,
        "review_reply": review_reply.FLOW,
        "psvc": SERVICES_FLOW,
        "pavail": AVAILABILITY_FLOW,
        "pcal": calendar.FLOW,
        "pdash": dashboard.FLOW,
        "ppropose": propose.FLOW,
        "pdeliver": deliver.FLOW,
        "onboard": onboarding.FLOW,
        "pprofile": profile_editor.FLOW,
    },
    # The provider's screens read their bookings exactly: home and a request's card on a
    # read-only session each time, the others in a transaction.
    commands={
        "start": reading(start),
        "menu": reading(start),
        "requests": reading(start),
        "help": reading(show_help),
        "language": reading(language),
        "support": writing(talk_to_us),
        "tickets": writing(my_tickets),
        "services": writing(open_services),
        "availability": writing(open_availability),
        "calendar": writing(calendar.open_calendar),
        "bookings": writing(dashboard.open_dashboard),
        "earnings": writing(dashboard.open_earnings),
        "register": writing(register),
        "profile": writing(open_profile),
    },
    globals={
        # Written in the chat journal's batch (answers.py), in a transaction when need be.
        "pacc": journaled(accept, fetch=calendar.fetch_before_accept),
        "pdec": writing(decline.decline),
        "pdel": journaled(mark_delivered),
        "preq": reading(open_request),
        "tk": writing(support.open_thread),
        "rvr": writing(review_reply.open_reply),
        "pdash": writing(dashboard.open_dashboard),
        "pearn": writing(dashboard.open_earnings),
        "pbk": writing(dashboard.open_booking),
        "ppro": writing(dashboard.open_proposal),
        # Offered when Arabic is typed while the account is in French or English: the
        # chat follows the language it is written in, as the client bot does (issue 14).
        SWITCH: writing(switch_language),
    },
    home=("phome", "home"),
    # A provider writes to this bot day after day; their first message ever (onboarding)
    # is rare. After a restart their chats are read, not tried as new people (which the
    # journal would refuse, and the update would then run in a transaction).
    strangers_write_first=False,
)
