"""Which booking a support ticket is about (core/support/about_booking.py): a provider is
offered their business's bookings, a client their own; a reference typed in the message
links the writer's own booking, never another's. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import Booking, Ticket
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from tests.support.bookings import request
from tests.support.chat import client_chat, link_provider, provider_chat, user_of
from tests.support.factories import make_provider, make_user

DAY = date(2026, 6, 14)


async def reference_of(uows: UnitOfWorkFactory, booking_id: int) -> str:
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        return booking.reference


async def ticket_booking(uows: UnitOfWorkFactory, ticket_id: int) -> int | None:
    async with uows() as uow:
        return await uow.session.scalar(select(Ticket.booking_id).where(Ticket.id == ticket_id))


async def test_a_provider_s_ticket_is_offered_their_business_s_bookings(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now, capacity=3)
    _, _, other_service = await make_provider(uows, now, slug="other")
    client = await make_user(uows, now)
    mine = await request(uows, now, client, service_id, DAY)
    theirs = await request(uows, now, client, other_service, DAY)
    provider = await provider_chat(uows, clock, owner)
    await provider.send("/start")
    await provider.send("/support")
    await provider.click("sc:booking")
    offered = [b for b in provider.buttons() if b.startswith("sb:")]
    assert offered == [f"sb:{mine}", "sb:0"]
    await provider.click(f"sb:{mine}")
    await provider.send("Le client demande à changer l'heure")
    assert await ticket_booking(uows, (await provider.state()).data["ticket_id"]) == mine

    # Another provider's booking, forged: refused, nothing opened.
    await provider.send("/support")
    await provider.click("sc:booking")
    await provider.press(provider.payload("sb:0").replace("sb:0", f"sb:{theirs}"))
    assert translator("fr")("This booking is not yours.") in provider.text
    assert await provider.position() == "support:booking"


async def test_a_reference_typed_in_the_message_links_the_writer_s_own_booking(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now, capacity=3)
    client = await make_user(uows, now)
    stranger = await make_user(uows, now, name="Stranger")
    mine = await request(uows, now, client, service_id, DAY)
    theirs = await request(uows, now, stranger, service_id, DAY + timedelta(days=1))
    ref_mine, ref_theirs = await reference_of(uows, mine), await reference_of(uows, theirs)

    await link_provider(uows, client, "c:amal", now)  # the chat's identity is the client's
    chat = client_chat(uows, clock, key="c:amal", language="fr")
    await chat.send("/support")
    # Straight to the problem, the reference as copied, in lower case and without the dash.
    await chat.send(f"Mon remboursement pour {ref_mine.lower().replace('-', ' ')} n'est pas arrivé")
    assert await ticket_booking(uows, (await chat.state()).data["ticket_id"]) == mine

    # Someone else's reference links nothing.
    await chat.send("/support")
    await chat.click("sc:payment")
    await chat.click("sb:0")
    await chat.send(f"Et {ref_theirs}?")
    assert await ticket_booking(uows, (await chat.state()).data["ticket_id"]) is None

    # The provider's side: the same reference is their business's booking.
    provider = await provider_chat(uows, clock, owner)
    await provider.send("/start")
    await provider.send("/support")
    await provider.send(f"Problème avec {ref_theirs}")
    assert await ticket_booking(uows, (await provider.state()).data["ticket_id"]) == theirs


async def test_a_greeting_while_support_waits_opens_no_ticket(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "hello?" typed at "Is it about one of your bookings?" opened ticket #1 with "hello?"
    for our team to answer (a walk, 2026-12-07); a problem that starts with a greeting
    still opens one, with its words."""
    now = clock.now()
    _, _, service_id = await make_provider(uows, now)
    chat = client_chat(uows, clock, language="en")
    await chat.send("/start")
    await request(uows, now, (await user_of(chat)).id, service_id, DAY)
    t = translator("en")
    for step, greeting in (("support:booking", "hello?"), ("support:message", "salam")):
        await chat.send("/support")
        await chat.click("sc:booking")
        if step == "support:message":
            await chat.click("sb:0")
        await chat.send(greeting)
        assert await chat.position() == step, greeting
        async with uows() as uow:
            assert await uow.session.scalar(select(Ticket.id)) is None
    assert t("Please write a few words about the problem.") in chat.text
    await chat.send("hello, the photographer wants to be paid in cash")
    assert t("Ticket #{n} is open. Our team will answer you here.", n=1) in chat.text
    async with uows() as uow:
        assert await uow.session.scalar(select(Ticket.subject)) == (
            "hello, the photographer wants to be paid in cash"
        )
