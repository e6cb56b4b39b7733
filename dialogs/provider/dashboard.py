"""The provider's bookings dashboard (/bookings): sections, paging, a booking, its history.

Every screen reads the provider's bookings exactly, and every step still runs in a
transaction (WRITES). The bot's home and a request's card read exactly without one
(core/booking/provider_home.py, through ctx.reads); these screens could follow. A
booking's buttons act on the booking kept in the chat's state, checked again against the
provider on each press.
"""

from __future__ import annotations

from pathlib import Path

from core.booking.actions import apply_action, too_early_to_deliver
from core.booking.actors import Actor
from core.booking.delivery_proof import proof_of
from core.booking.proposals import pending_proposal
from core.booking.provider_dashboard import Section, booking_history, dashboard_page
from core.booking.queries import contact_for, owned_booking, service_of_booking
from core.booking.states import Action, BookingState, Role
from core.errors import IllegalTransition
from core.people.provider_accounts import provider_of_user
from core.rows import Booking, Provider
from dialogs.framework.context import Ctx
from dialogs.framework.errors import explain
from dialogs.framework.flow import WRITES, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_
from dialogs.provider.booking_card import dashboard_line, details_card, history_text
from dialogs.provider.earnings_view import earnings_text
from dialogs.shared import support

DIAGRAM = Path(__file__).with_name("dashboard.mmd")
PAGE_SIZE = 6
SECTION_TITLES: dict[Section, str] = {
    Section.PENDING: N_("Requests waiting for your answer"),
    Section.UNSETTLED: N_("Past events still open"),
    Section.TODAY: N_("Today"),
    Section.THIS_WEEK: N_("Later this week"),
    Section.UPCOMING: N_("Upcoming"),
}
NOT_A_PROVIDER = N_("This bot is for Mounasabet providers. Send /start to connect your account.")


def provider_actor(ctx: Ctx) -> Actor:
    return Actor(Role.PROVIDER, ctx.user.id)


async def current_booking(ctx: Ctx) -> Booking:
    """The booking this chat is looking at, checked against the provider again."""
    return await owned_booking(ctx.uow, provider_actor(ctx), int(ctx.state.data.get("bid", 0)))


async def _provider(ctx: Ctx) -> Provider | None:
    return await provider_of_user(ctx.uow, ctx.user.id)


# ---- the list ------------------------------------------------------------------------------


async def list_prompt(ctx: Ctx) -> Reply:
    t, data = ctx.t, ctx.state.data
    provider = await _provider(ctx)
    if provider is None:
        return ctx.reply(t(NOT_A_PROVIDER))
    page = await dashboard_page(
        ctx.uow, provider.id, today=ctx.today, page=int(data.get("page", 0)), size=PAGE_SIZE
    )
    data["page"] = page.page
    edit = bool(data.pop("_edit", False))
    if not page.lines:
        text = t("You have no requests waiting and no bookings to come.")
        return ctx.reply(text, [(ctx.button("💰 " + t("Earnings"), "earn"),), ctx.nav_row()])
    lines = [
        t("Your bookings")
        + " — "
        + t("Page {page} of {pages}", page=page.page + 1, pages=page.pages)
    ]
    rows: list[tuple[Button, ...]] = []
    section = None
    for n, line in enumerate(page.lines, start=1):
        if line.section is not section:
            section = line.section
            lines += ["", f"{t(SECTION_TITLES[section])} ({page.counts.get(section, 0)})"]
        label = dashboard_line(line, ctx.now, t)
        lines.append(f"{n}. {label}")
        rows.append((ctx.button(label, f"bk:{line.id}"),))
    paging = []
    if page.page > 0:
        paging.append(ctx.button("‹ " + t("Previous"), "pg:prev"))
    if page.page + 1 < page.pages:
        paging.append(ctx.button(t("Next") + " ›", "pg:next"))
    rows += [tuple(paging), (ctx.button("💰 " + t("Earnings"), "earn"),), ctx.nav_row()]
    return ctx.reply("\n".join(lines), rows, edit=edit)


async def list_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code, data = answer.code or "", ctx.state.data
    if code in ("pg:next", "pg:prev"):
        data["page"] = max(0, int(data.get("page", 0)) + (1 if code == "pg:next" else -1))
        data["_edit"] = True
        return Go("list")
    if code == "earn":
        return Go("earnings")
    if code.startswith("bk:") and code[3:].isdigit():
        booking = await owned_booking(ctx.uow, provider_actor(ctx), int(code[3:]))
        data["bid"] = booking.id
        return Go("booking")
    return Invalid(ctx.t("Please choose a booking from the list."))


# ---- one booking ----------------------------------------------------------------------------


async def booking_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    booking = await current_booking(ctx)
    service = await service_of_booking(ctx.uow, booking)
    proposal = await pending_proposal(ctx.uow, booking)
    proof = await proof_of(ctx.uow, booking.id)
    client = await contact_for(ctx.uow, booking, "provider")
    text = details_card(booking, service, proposal, proof, ctx.now, t, client)
    rows: list[tuple[Button, ...]] = []
    if booking.state == BookingState.REQUESTED:
        rows.append(
            (ctx.button("✅ " + t("Accept"), "acc"), ctx.button("✖ " + t("Decline"), "dec"))
        )
        rows.append((ctx.button("↪ " + t("Propose another date or price"), "pro"),))
    elif booking.state == BookingState.CONFIRMED:
        early = too_early_to_deliver(booking, ctx.now)
        if early is None:
            rows.append((ctx.button("📦 " + t("Mark as delivered"), "dlv"),))
        else:  # from when, rather than a proof asked for and then refused
            text += "\n\n" + explain(early, t)
    rows += [
        (ctx.button("🕘 " + t("History"), "hist"),),
        (ctx.button("💬 " + t(support.HELP_WITH_BOOKING), "help"),),
        ctx.nav_row(cancel=False),
    ]
    return ctx.reply(text, rows)


async def booking_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    booking = await current_booking(ctx)
    if code == "hist":
        return Go("history")
    if code == "help":
        return support.about_booking(ctx, booking.id)
    if code == "acc":
        return await _accept(ctx, booking)
    if code == "dec":
        ctx.state.data["booking_id"] = booking.id  # what the decline flow reads
        return Go("reason", "decline")
    if code == "pro":
        still_requested(booking)
        return Go("date", "ppropose")
    if code == "dlv":
        early = too_early_to_deliver(booking, ctx.now)
        if early is not None:  # an older card's button
            return Invalid(explain(early, ctx.t))
        return Go("proof", "pdeliver")
    return Invalid(ctx.t("Please choose an option."))


async def _accept(ctx: Ctx, booking: Booking) -> Outcome:
    booking = await apply_action(
        ctx.uow, booking.id, Action.ACCEPT, provider_actor(ctx), now=ctx.now
    )
    text = ctx.t(
        "You accepted {ref}. The client has been asked to pay the deposit.", ref=booking.reference
    )
    return Go("booking", before=(ctx.reply(text),))


def still_requested(booking: Booking) -> None:
    """Only a request can get a proposal: say so before the form, not after it."""
    if booking.state != BookingState.REQUESTED:
        raise IllegalTransition("illegal_transition", state=booking.state, action="propose")


def back_to_booking(ctx: Ctx, before: tuple[Reply, ...]) -> Go:
    """After proposing or delivering: the booking again, and Back from it as before."""
    state = ctx.state
    while state.history and state.history[-1] != "pdash:booking":
        state.history.pop()
    if state.history:
        state.history.pop()
    state.flow, state.step = "pdash", "booking"
    return Go("booking", "pdash", before=before)


# ---- history and earnings ------------------------------------------------------------------


async def history_prompt(ctx: Ctx) -> Reply:
    booking = await current_booking(ctx)
    history = await booking_history(ctx.uow, provider_actor(ctx), booking.id)
    return ctx.reply(history_text(booking.reference, history, ctx.t), [ctx.nav_row(cancel=False)])


async def back_only(ctx: Ctx, answer: Answer) -> Outcome:
    return Invalid(ctx.t("Please choose an option."))


async def earnings_prompt(ctx: Ctx) -> Reply:
    provider = await _provider(ctx)
    if provider is None:
        return ctx.reply(ctx.t(NOT_A_PROVIDER))
    return ctx.reply(await earnings_text(ctx, provider), [ctx.nav_row(cancel=False)])


# ---- entry points --------------------------------------------------------------------------


async def open_dashboard(ctx: Ctx, _: str) -> Outcome:
    """/bookings and the home's button."""
    ctx.state.flow, ctx.state.step, ctx.state.history = "phome", "home", []
    return Go("list", "pdash")


async def open_earnings(ctx: Ctx, _: str) -> Outcome:
    """/earnings and the home's button."""
    ctx.state.flow, ctx.state.step, ctx.state.history = "phome", "home", []
    return Go("earnings", "pdash")


async def open_booking(ctx: Ctx, arg: str) -> Outcome:
    """A "View booking" button under the provider's news: anyone can forge one, so check."""
    booking = await owned_booking(ctx.uow, provider_actor(ctx), int(arg) if arg.isdigit() else 0)
    ctx.state.flow, ctx.state.step, ctx.state.history = "pdash", "list", ["phome:home"]
    ctx.state.data = {"bid": booking.id}
    return Go("booking", "pdash")


async def open_proposal(ctx: Ctx, arg: str) -> Outcome:
    """ "Propose another date or price" under a request's notice, its reminder, the home's
    card or a refused proposal's news: the proposal form for that request."""
    await open_booking(ctx, arg)
    still_requested(await current_booking(ctx))
    ctx.state.flow, ctx.state.step = "pdash", "booking"
    ctx.state.history.append("pdash:list")
    return Go("date", "ppropose")


FLOW = Flow(
    "pdash",
    "list",
    {
        "list": Step(list_prompt, list_answer, WRITES),
        "booking": Step(booking_prompt, booking_answer, WRITES),
        "history": Step(history_prompt, back_only, WRITES),
        "earnings": Step(earnings_prompt, back_only, WRITES),
    },
    on_cancel=("phome", "home"),
    diagram=DIAGRAM,
)
