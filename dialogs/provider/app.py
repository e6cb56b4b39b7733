"""The provider bot's conversation (first part): requests with Accept / Decline."""

from __future__ import annotations

from pathlib import Path

from core.booking.actions import apply_action
from core.booking.actors import Actor
from core.booking.contacts import PartyContact, contact_for
from core.booking.queries import open_bookings_of, owned_booking, service_of_booking
from core.booking.states import Action, BookingState, Role
from core.catalog.vocabulary import MARKET_TZ
from core.people.provider_accounts import connect_provider, provider_of_user
from core.rows import Booking, Provider, Service
from dialogs import labels
from dialogs.client.menu import LANGUAGE
from dialogs.framework.context import Ctx, global_button
from dialogs.framework.engine import DialogApp
from dialogs.framework.errors import state_label
from dialogs.framework.flow import (
    WRITES,
    Answer,
    Flow,
    Go,
    Invalid,
    Outcome,
    Show,
    Step,
    reading,
    writing,
)
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_, Translator
from dialogs.notifications.contacts import party_name, party_phone
from dialogs.shared import support
from dialogs.shared.pay import prepare_deposit_link

DECLINE_REASONS = {
    "busy": N_("Already booked that day"),
    "far": N_("Too far from my area"),
    "size": N_("The event does not fit my service"),
}
LIST_LIMIT = 10


async def my_provider(ctx: Ctx) -> Provider | None:
    return await provider_of_user(ctx.uow, ctx.user.id)


def request_card(
    booking: Booking, service: Service | None, t: Translator, client: PartyContact | None = None
) -> str:
    """The facts a provider needs to decide, in their language; with the client's name and
    phone once the deposit is paid (``client``)."""
    when = t.date(booking.event_date)
    if service is not None and service.duration_minutes is not None:
        when += " " + t("at {time}", time=t.time(booking.starts_at.astimezone(MARKET_TZ)))
    lines = [
        t("Booking request {ref}", ref=booking.reference) + " — " + state_label(booking.state, t),
        t("Service") + ": " + (t.pick(service.title) if service else "—"),
        t("Occasion") + ": " + labels.event(booking.event_type, t),
        t("Date") + ": " + when,
        t("Guests") + ": " + (t.number(booking.guests) if booking.guests else "—"),
        t("City") + ": " + labels.city(booking.city, t),
        t("Place") + ": " + (booking.venue or "—"),
        t("Notes") + ": " + (booking.notes or "—"),
        t("Total") + ": " + t.money(booking.total_minor, booking.currency),
    ]
    if client is not None:
        lines += [
            t("Client") + ": " + party_name(client, t),
            t("Phone") + ": " + party_phone(client, t),
        ]
    return "\n".join(lines)


def decision_buttons(booking: Booking, t: Translator) -> tuple[tuple[Button, ...], ...]:
    if booking.state == BookingState.REQUESTED:
        return (
            (
                global_button("✅ " + t("Accept"), f"pacc:{booking.id}"),
                global_button("✖ " + t("Decline"), f"pdec:{booking.id}"),
            ),
        )
    if booking.state == BookingState.CONFIRMED:
        return ((global_button(t("Mark as delivered"), f"pdel:{booking.id}"),),)
    return ()


async def home_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    provider = await my_provider(ctx)
    if provider is None:
        text = t(
            "This bot is for Mounasabet providers. If you are registered, share the phone "
            "number of your provider account to connect. To offer your services, write to us "
            "with /support."
        )
        return ctx.reply(text, request_contact=True)
    rows = await open_bookings_of(ctx.uow, provider.id, limit=LIST_LIMIT)
    pending = sum(b.state == BookingState.REQUESTED.value for b in rows)
    text = t(
        "Hello {name}. Requests waiting for your answer: {n}.",
        name=t.pick(provider.name),
        n=pending,
    )
    buttons = [
        (
            ctx.button(
                f"{b.reference} · {t.date(b.event_date, 'short')} · " + state_label(b.state, t),
                f"req:{b.id}",
            ),
        )
        for b in rows
    ]
    return ctx.reply(text, [*buttons, (ctx.button("🌐 " + t("Language"), "lang"),)])


async def home_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.contact_phone:
        return await connect_by_phone(ctx, answer.contact_phone)
    code = answer.code or ""
    if code == "lang":
        return Go("choose", "language")
    if code.startswith("req:") and code[4:].isdigit():
        return await open_request(ctx, code[4:])
    return Invalid(ctx.t("Please choose a request from the list."))


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


async def _owned(ctx: Ctx, booking_id: int) -> Booking:
    return await owned_booking(ctx.uow, Actor(Role.PROVIDER, ctx.user.id), booking_id)


async def open_request(ctx: Ctx, arg: str) -> Outcome:
    if not arg.isdigit():
        return Invalid(ctx.t("This booking no longer exists."))
    booking = await _owned(ctx, int(arg))
    service = await service_of_booking(ctx.uow, booking)
    client = await contact_for(ctx.uow, booking, "provider")
    card = Reply(
        request_card(booking, service, ctx.t, client),
        decision_buttons(booking, ctx.t),
        rtl=ctx.t.rtl,
    )
    return Show((card,))


async def accept(ctx: Ctx, arg: str) -> Outcome:
    booking = await apply_action(
        ctx.uow,
        int(arg) if arg.isdigit() else 0,
        Action.ACCEPT,
        Actor(Role.PROVIDER, ctx.user.id),
        now=ctx.now,
    )
    await prepare_deposit_link(ctx, booking.id)  # the client's notice carries the link
    text = ctx.t(
        "You accepted {ref}. The client has been asked to pay the deposit.", ref=booking.reference
    )
    return Go("home", "phome", before=(ctx.reply(text),), reset=True)


async def decline(ctx: Ctx, arg: str) -> Outcome:
    booking = await _owned(ctx, int(arg) if arg.isdigit() else 0)
    if booking.state != BookingState.REQUESTED:
        return Show(
            (
                ctx.reply(
                    ctx.t(
                        "This request was already answered (it is now {state}).",
                        state=state_label(booking.state, ctx.t),
                    )
                ),
            )
        )
    ctx.state.data = {"booking_id": booking.id}
    return Go("reason", "decline")


async def mark_delivered(ctx: Ctx, arg: str) -> Outcome:
    booking = await apply_action(
        ctx.uow,
        int(arg) if arg.isdigit() else 0,
        Action.MARK_DELIVERED,
        Actor(Role.PROVIDER, ctx.user.id),
        now=ctx.now,
    )
    text = ctx.t(
        "{ref} is marked as delivered. The client will be asked to confirm.", ref=booking.reference
    )
    return Go("home", "phome", before=(ctx.reply(text),), reset=True)


async def reason_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    rows = [(ctx.button(t(label), f"why:{code}"),) for code, label in DECLINE_REASONS.items()]
    return ctx.reply(
        t("Why do you decline? Choose a reason or type your own."), [*rows, ctx.nav_row()]
    )


async def reason_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("why:")
    # A listed reason is stored as its msgid, so the client reads it in their own language.
    reason = DECLINE_REASONS.get(code, answer.text or "")
    if not reason.strip():
        return Invalid(ctx.t("Please give a reason."))
    booking = await apply_action(
        ctx.uow,
        int(ctx.state.data.get("booking_id", 0)),
        Action.DECLINE,
        Actor(Role.PROVIDER, ctx.user.id),
        now=ctx.now,
        reason=reason.strip()[:300],
    )
    text = ctx.t("You declined {ref}. The client has been told.", ref=booking.reference)
    return Go("home", "phome", before=(ctx.reply(text),), reset=True)


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
            "/language — " + t("change language"),
            "/support — " + t("talk to our team"),
            "/tickets — " + t("your support tickets"),
            "/help — " + t("this help"),
        ]
    )
    return Show((ctx.reply(text),))


async def language(ctx: Ctx, _: str) -> Outcome:
    return Go("choose", "language", reset=True)


async def talk_to_us(ctx: Ctx, _: str) -> Outcome:
    """/support: the same ticket form as the client bot's (registration questions too)."""
    return Go("booking", "support", reset=True)


DIAGRAM = Path(__file__).with_name("flows.mmd")


async def my_tickets(ctx: Ctx, _: str) -> Outcome:
    """/tickets: the provider's own support tickets."""
    return Go("list", "support", reset=True)


PROVIDER_APP = DialogApp(
    flows={
        "phome": Flow(
            "phome",
            "home",
            {"home": Step(home_prompt, home_answer, WRITES)},
            on_cancel=("phome", "home"),
            diagram=DIAGRAM,
        ),
        "decline": Flow(
            "decline",
            "reason",
            {"reason": Step(reason_prompt, reason_answer, WRITES)},
            on_cancel=("phome", "home"),
            diagram=DIAGRAM,
        ),
        "language": LANGUAGE,
        "support": support.PROVIDER_FLOW,
    },
    # Every screen of the provider's reads their bookings exactly: all in a transaction,
    # but help and the language choice.
    commands={
        "start": writing(start),
        "menu": writing(start),
        "requests": writing(start),
        "help": reading(show_help),
        "language": reading(language),
        "support": writing(talk_to_us),
        "tickets": writing(my_tickets),
    },
    globals={
        "pacc": writing(accept),
        "pdec": writing(decline),
        "pdel": writing(mark_delivered),
        "preq": writing(open_request),
        "tk": writing(support.open_thread),
    },
    home=("phome", "home"),
)
