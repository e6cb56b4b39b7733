"""The client bot's conversation: flows, /commands and buttons valid on any screen."""

from __future__ import annotations

from core.booking.actors import Actor
from core.booking.queries import owned_booking
from core.booking.states import Role
from core.people.users import record_source
from dialogs.client import alternatives, book, discover, mybookings, proposal_answers, review
from dialogs.client.deeplinks import parse_deeplink
from dialogs.client.discover_order import next_step
from dialogs.client.free_text import help_text
from dialogs.client.menu import LANGUAGE, MENU, switch_language
from dialogs.client.questions import TO_MY_BOOKINGS, TO_SUPPORT
from dialogs.framework.context import Ctx
from dialogs.framework.engine import Command, DialogApp
from dialogs.framework.flow import Go, Outcome, Remind, reading, writing
from dialogs.framework.reply_language import SWITCH
from dialogs.shared import support
from dialogs.shared.pay import make_pay_link, pay_now


async def start(ctx: Ctx, payload: str) -> Outcome:
    """/start, with or without a deep link from the site, an ad or a shared link."""
    link = parse_deeplink(payload)
    record_source(ctx.user, link.source or ("link" if payload else None))
    # Whatever the chat was doing, a link starts from home, so Back leads there.
    ctx.state.flow, ctx.state.step, ctx.state.history = "menu", "main", []
    # The link's own source rides along to the booking it leads to (bookings.source).
    came_from = {"source": link.source} if link.source else {}
    if link.provider:
        provider = await ctx.reads.provider_by_slug(link.provider)
        if provider is not None:
            ctx.state.data = {"provider_id": provider.id, **came_from}
            return Go("profile", "discover")
    if link.category or link.city:
        ctx.state.data = dict(came_from)
        if link.category:
            ctx.state.data["category"] = link.category
        if link.city:
            ctx.state.data["city"] = link.city
        return next_step(ctx)
    return Go("main", "menu", reset=True)


async def show_help(ctx: Ctx, _: str) -> Outcome:
    # Above the current question, asked again: its options stay at hand (numbered, last,
    # on WhatsApp), wherever /help was asked.
    return Remind(help_text(ctx))


def jump(flow: str, step: str) -> Command:
    """A command that goes straight to a flow's first step, forgetting the current one."""

    async def command(ctx: Ctx, _: str) -> Outcome:
        return Go(step, flow, reset=True)

    return command


async def open_booking(ctx: Ctx, arg: str) -> Outcome:
    """A 'view booking' button under a notification: anyone can forge one, so check first."""
    if not arg.isdigit():
        return Go("list", "mybookings", reset=True)
    booking = await owned_booking(ctx.uow, Actor(Role.CLIENT, ctx.user.id), int(arg))
    # As /mybookings then this booking: the form in progress is left; Back leads to the list.
    ctx.state.flow, ctx.state.step, ctx.state.history = "mybookings", "list", []
    ctx.state.data = {"booking_id": booking.id}
    return Go("detail", "mybookings")


CLIENT_APP = DialogApp(
    flows={
        f.name: f
        for f in (
            MENU,
            LANGUAGE,
            discover.FLOW,
            book.FLOW,
            mybookings.FLOW,
            support.FLOW,
            review.FLOW,
            proposal_answers.REFUSAL_FLOW,
        )
    },
    commands={
        # A link names a provider or a source, written on the user: in a transaction, but
        # on a first contact, whose user the journal creates with it.
        "start": reading(start, when=lambda payload: not payload, new_user=bool),
        "help": reading(show_help),
        "menu": reading(jump("menu", "main")),
        "cancel": reading(jump("menu", "main")),
        "language": reading(jump("language", "choose")),
        "mybookings": reading(jump("mybookings", "list")),
        "support": reading(jump("support", "category")),
        "tickets": writing(jump("support", "list")),
        "search": reading(jump("discover", "category")),
    },
    globals={
        "bk": writing(open_booking),
        "pay": writing(pay_now, fetch=make_pay_link),
        "tk": writing(support.open_thread),
        "rv": writing(review.start_review),
        "cpa": writing(proposal_answers.accept_offer),
        "cpr": writing(proposal_answers.refuse_offer),
        "cdl": writing(proposal_answers.confirm_delivery),
        "alt": writing(alternatives.open_alternative),
        TO_SUPPORT: reading(jump("support", "category")),  # under the FAQ's answers
        TO_MY_BOOKINGS: reading(jump("mybookings", "list")),  # under some of them
        SWITCH: writing(switch_language),  # offered when Arabic is typed (issue 14)
    },
)
