"""Races through the webhooks, on SQLite and PostgreSQL: the database has the last word.

- 50 clients press "Send the request" for the same capacity-1 day at once: one booking;
- the provider accepts while the client cancels: one wins, the other is told so;
- the client confirms delivery while the auto-confirmation sweep runs: one balance charge.
(The same races one level down, through the dialog engine and the services, are in
tests/integration/test_no_double_booking.py and test_provider_dialog.py.)
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from core.db.tables import Booking, BookingTransition, Payment, SlotHold
from core.payments.ports import Payments
from dialogs.framework.errors import MESSAGES, state_label
from dialogs.i18n.translator import Translator, translator
from payments.links import HmacLinks
from payments.stripe_gateway import StripeGateway
from tests.fakes import FakeUser
from tests.reliability.journeys import at_most, connect_provider, to_summary
from tests.reliability.world import STRIPE_KEY, TOKENS, World, press_update
from tests.support.sweeps import sweep

EN, FR = translator("en"), translator("fr")  # the seeded provider reads French
RACERS = 50
UPDATE_IDS = itertools.count(990_000)  # the presses this module posts itself


def moved_on(state: str, t: Translator = EN) -> str:
    return t(
        "This booking has already moved on (it is now {state_label}).",
        state_label=state_label(state, t),
    )


async def booking_of(w: World, booking_id: int) -> Booking:
    async with w.uows() as uow:
        found = await uow.session.get(Booking, booking_id)
        assert found is not None
        uow.session.expunge(found)
        return found


async def transitions(w: World, booking_id: int) -> list[str]:
    async with w.uows() as uow:
        rows = await uow.session.scalars(
            select(BookingTransition.target)
            .where(BookingTransition.booking_id == booking_id)
            .order_by(BookingTransition.id)
        )
        return list(rows.all())


async def press(w: World, user: FakeUser, code: str, *, bot: str = "client") -> int:
    """Press ``code`` on the newest message offering it, by a raw webhook post (so that
    several presses can be under way at once; the fake serialises its own per chat)."""
    if code.startswith("g|"):  # a global button: valid on any message of the chat
        message, data = w.telegram.last_message(user.id, bot=TOKENS[bot]), code
    else:
        message = w.message_with(user, code, bot=bot)
        [data] = [d for d in message.callback_data() if d == code or d.endswith("|" + code)]
    update = press_update(next(UPDATE_IDS), user, message.message_id, data)
    return await w.post_update(bot, update)


async def requested(w: World, client: FakeUser, day: str) -> int:
    """``client`` books ``day`` through the bot; the new booking's id."""
    await to_summary(w, client, day, "0612345678")
    await w.tap(client, "confirm")
    async with w.uows() as uow:
        found = await uow.session.scalar(select(func.max(Booking.id)))
    assert found is not None
    return int(found)


async def test_fifty_clients_sending_for_the_last_seat_leave_one_booking(
    everything: World,
) -> None:
    w = everything
    clients = [FakeUser(id=9000 + n, first_name=f"Racer{n}") for n in range(RACERS)]
    await at_most(10, [partial(to_summary, w, c, "14 June", "0612345678") for c in clients])
    statuses = await asyncio.gather(*(press(w, c, "confirm") for c in clients))
    assert set(statuses) == {200}

    async with w.uows() as uow:
        bookings = (await uow.session.execute(select(Booking.id, Booking.reference))).all()
        holds = await uow.session.scalar(select(func.count()).select_from(SlotHold))
    [(booking_id, reference)] = bookings
    assert holds == 1
    taken = [EN(MESSAGES["slot_taken"]), EN(MESSAGES["slot_fully_booked"])]
    said = {c.id: "\n".join(w.texts(c)[-2:]) for c in clients}
    winners = [c for c in clients if reference in said[c.id]]
    losers = [c for c in clients if any(t in said[c.id] for t in taken)]
    assert len(winners) == 1 and len(losers) == RACERS - 1, set(said.values())
    assert (await booking_of(w, booking_id)).state == "requested"


async def test_accept_racing_cancel_has_one_winner_and_a_clear_answer(
    everything: World,
) -> None:
    w = everything
    owner = FakeUser(id=8200, first_name="Karim")
    await connect_provider(w, owner)
    for round_ in range(3):
        client = FakeUser(id=8300 + round_, first_name=f"Salma{round_}")
        booking_id = await requested(w, client, f"{15 + round_} June")
        await w.quiet()  # the request reaches the provider bot, with Accept
        await w.say(client, "/mybookings")
        await w.tap(client, f"bk:{booking_id}")
        await w.tap(client, "cancel")  # "Are you sure?" -- yes is pressed in the race
        accept, cancel = await asyncio.gather(
            press(w, owner, f"pacc:{booking_id}", bot="provider"), press(w, client, "yes")
        )
        assert (accept, cancel) == (200, 200)
        await w.quiet()
        state = (await booking_of(w, booking_id)).state
        assert state in ("accepted", "cancelled")
        assert await transitions(w, booking_id) == ["requested", state]
        provider_said = "\n".join(w.texts(owner, bot="provider")[-3:])
        client_said = "\n".join(w.texts(client)[-3:])
        if state == "accepted":
            assert moved_on("accepted") in client_said
        else:
            assert moved_on("cancelled", FR) in provider_said


@pytest.fixture
async def payments(everything: World) -> AsyncIterator[Payments]:
    """The sweep's own payment parts, against the same fake Stripe."""
    gateway = StripeGateway(STRIPE_KEY, api_url=everything.stripe.url, return_url=everything.url)
    try:
        yield Payments(gateway, HmacLinks(b"x" * 32, everything.url), 1000)
    finally:
        await gateway.close()


async def test_confirming_delivery_while_auto_confirmation_runs_charges_once(
    everything: World, payments: Payments, clock: object
) -> None:
    w, owner = everything, FakeUser(id=8200, first_name="Karim")
    client = FakeUser(id=8400, first_name="Nadia")
    await connect_provider(w, owner)
    booking_id = await requested(w, client, "20 June")
    await w.quiet()
    await w.tap(owner, f"pacc:{booking_id}", bot="provider")
    await w.quiet()  # the client's news sent, with the deposit's link made for it
    async with w.uows() as uow:
        session_id = await uow.session.scalar(
            select(Payment.checkout_session_id).where(Payment.booking_id == booking_id)
        )
    assert session_id is not None
    for event in w.stripe.pay_checkout(session_id):
        assert await w.stripe.post_event(event) == 200
    booking = await booking_of(w, booking_id)
    assert booking.state == "confirmed"
    w.container.clock.set(booking.ends_at + timedelta(hours=1))  # type: ignore[attr-defined]
    await w.quiet()
    assert await press(w, owner, f"g|pdel:{booking_id}", bot="provider") == 200
    assert (await booking_of(w, booking_id)).state == "delivered"
    await w.quiet()
    w.container.clock.advance(timedelta(days=3, hours=1))  # type: ignore[attr-defined]
    await w.say(client, "/mybookings")
    await w.tap(client, f"bk:{booking_id}")
    charges_before = len(w.stripe.intents)

    pressed, swept = await asyncio.gather(
        press(w, client, "confirm"),
        sweep(w.uows, "auto-confirm-delivery", w.container.clock.now(), payments=payments),
    )
    assert pressed == 200
    await w.quiet()
    done = await booking_of(w, booking_id)
    assert done.state == "completed" and done.paid_minor == done.total_minor
    assert (await transitions(w, booking_id)).count("completed") == 1
    async with w.uows() as uow:
        balances = (
            await uow.session.scalars(
                select(Payment.status).where(
                    Payment.booking_id == booking_id, Payment.kind == "balance"
                )
            )
        ).all()
    assert list(balances) == ["paid"]
    assert len(w.stripe.intents) == charges_before + 1  # one off-session charge
    assert swept is not None
