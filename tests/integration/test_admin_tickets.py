"""Issue 16: support tickets answered from `mounasabet-admin`, and the user's side of them.

The user opens a ticket in the client bot, the admin answers from the CLI, the answer is an
outbox message rendered in the user's language with a button back into the thread; what the
user writes there joins the ticket; a closed ticket can be rated; every admin action is in
the audit trail.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.db.tables import AdminAudit, Booking, OutboxMessage, Ticket, TicketMessage
from core.notifications.outbox import Envelope
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from dialogs.notifications.render import render_notification
from dialogs.notifications.support_news import STATUS_NEWS
from tests.support.admin import AdminCli, url_of
from tests.support.bookings import request
from tests.support.chat import Chat, client_chat, user_of
from tests.support.factories import make_provider


@pytest.fixture
def admin(engine: AsyncEngine) -> AdminCli:
    return AdminCli(url_of(engine))


async def open_by_chat(chat: Chat, text: str = "My photographer never came") -> int:
    await chat.send("/support")
    await chat.click("sc:payment")
    await chat.click("sb:0")
    await chat.send(text)
    assert await chat.position() == "support:thread"
    ticket_id = (await chat.state()).data["ticket_id"]
    assert isinstance(ticket_id, int)
    return ticket_id


async def news_for(uows: UnitOfWorkFactory, kind: str) -> tuple[dict[str, Any], str, list[str]]:
    """The last outbox message of ``kind``, as the user's chat would show it."""
    async with uows() as uow:
        row = (
            await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        ).all()[-1]
        envelope = Envelope(row.id, row.kind, row.user_id, row.channel, row.payload, 0)
        [reply] = await render_notification(uow, envelope)
        payload = dict(row.payload)
    return payload, reply.text, [b.payload for b in reply.all_buttons()]


async def test_reply_reaches_the_user_and_their_answer_joins_the_ticket(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    chat = client_chat(uows, clock, language="fr")
    ticket_id = await open_by_chat(chat)

    listed = await admin.json("tickets", "list", "--status", "open")
    assert [(t["id"], t["messages"], t["audience"]) for t in listed] == [(ticket_id, 1, "client")]
    await admin.ok("tickets", "reply", str(ticket_id), "Nous appelons le prestataire.")

    row, text, buttons = await news_for(uows, "ticket_reply")
    fr = translator("fr")
    assert text.startswith(fr("Our team answered your ticket #{n}:", n=ticket_id))
    assert "Nous appelons le prestataire." in text and buttons == [f"g|tk:{ticket_id}"]
    assert row["audience"] == "client"

    # "Reply" under the answer leads into the thread; what they write joins the ticket.
    await chat.press(f"g|tk:{ticket_id}")
    assert await chat.position() == "support:thread"
    await chat.send("Merci, il a mon numéro")
    shown = await admin.json("tickets", "show", str(ticket_id))
    assert [m["author_role"] for m in shown["thread"]] == ["client", "admin", "client"]
    assert shown["status"] == "open"  # the last word is the user's: back in the queue

    # Closing tells the user and lets them rate; the rating lands on the ticket.
    await admin.ok("tickets", "close", str(ticket_id), "--yes", "--reason", "solved")
    _, closed_text, closed_buttons = await news_for(uows, "ticket_status")
    assert closed_text == fr(STATUS_NEWS["closed"], n=ticket_id)
    assert closed_buttons == [f"g|tk:{ticket_id}"]
    await chat.press(f"g|tk:{ticket_id}")
    await chat.click("rate")
    await chat.click("rt:4")
    async with uows() as uow:
        ticket = await uow.session.get(Ticket, ticket_id)
        assert ticket is not None and (ticket.status, ticket.rating) == ("closed", 4)
    # A closed ticket takes no more messages.
    await chat.send("Encore une chose")
    assert fr("This ticket is closed. You can open a new one with /support.") in chat.text

    trail = await admin.json("audit", "--subject-type", "ticket")
    assert {(a["action"], a["actor"]) for a in trail} == {
        ("tickets.reply", "ops-amina"),
        ("tickets.close", "ops-amina"),
    }


async def test_user_lists_only_their_own_tickets_and_cannot_open_anothers(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    salma, omar = client_chat(uows, clock, key="c:salma"), client_chat(uows, clock, key="c:omar")
    mine = await open_by_chat(salma, "Invoice missing")
    theirs = await open_by_chat(omar, "Wrong date")
    await salma.send("/tickets")
    assert await salma.position() == "support:list"
    assert salma.buttons()[:1] == [f"st:{mine}"] and f"st:{theirs}" not in salma.buttons()
    await salma.press(f"g|tk:{theirs}")  # a forged button
    assert "This ticket is not yours." in salma.text
    async with uows() as uow:
        count = await uow.session.scalar(
            select(TicketMessage.id).where(TicketMessage.ticket_id == theirs).limit(2).offset(1)
        )
    assert count is None  # nothing joined the other ticket


async def test_admin_commands_refuse_wrong_ids_and_states(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    chat = client_chat(uows, clock)
    ticket_id = await open_by_chat(chat)
    assert "No ticket #999" in await admin.fails("tickets", "show", "999")
    assert "No ticket #999" in await admin.fails("tickets", "reply", "999", "hello")
    assert "is not closed" in await admin.fails("tickets", "reopen", str(ticket_id))
    assert "not confirmed" in await admin.fails("tickets", "close", str(ticket_id), input="n\n")
    await admin.ok("tickets", "close", str(ticket_id), input="y\n")
    assert "is closed" in await admin.fails("tickets", "reply", str(ticket_id), "late")
    assert "is closed" in await admin.fails("tickets", "close", str(ticket_id), "--yes")
    await admin.ok("tickets", "reopen", str(ticket_id), "--as", "ops-youssef")
    _, text, _ = await news_for(uows, "ticket_status")
    assert text == translator("en")(STATUS_NEWS["open"], n=ticket_id)
    await admin.ok("tickets", "assign", str(ticket_id), "ops-youssef")
    [row] = await admin.json("tickets", "list", "--assignee", "ops-youssef")
    assert (row["id"], row["status"]) == (ticket_id, "open")
    assert "Cannot sort by bogus" in await admin.fails("tickets", "list", "--sort", "bogus")
    async with uows() as uow:
        actors = set((await uow.session.scalars(select(AdminAudit.actor))).all())
    assert actors == {"ops-amina", "ops-youssef"}


async def test_the_category_chosen_in_chat_sorts_the_admin_queue(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    chat = client_chat(uows, clock, language="ar")
    await chat.send("/support")
    ar = translator("ar")
    assert ar("What is it about?") in chat.text
    labels = {b.payload.rsplit("|", 1)[-1]: b.label for b in chat.last.all_buttons()}
    assert labels["sc:complaint"] == ar("A problem with a provider")
    await chat.click("sc:complaint")
    await chat.click("sb:0")
    await chat.send("المصور لم يأت")
    complaint = (await chat.state()).data["ticket_id"]
    await chat.send("/support")
    await chat.send("الفاتورة لم تصلني")  # straight to the problem: a ticket about "other"
    other = (await chat.state()).data["ticket_id"]

    listed = await admin.json("tickets", "list", "--category", "complaint")
    assert [(t["id"], t["category"]) for t in listed] == [(complaint, "complaint")]
    # A complaint is a user report: it is among the flags too (the other ticket is not).
    [flag] = await admin.json("flags", "list")
    assert (flag["kind"], flag["subject_type"]) == ("user_report", "user")
    shown = await admin.json("tickets", "show", str(other))
    assert shown["category"] == "other"


async def test_a_ticket_about_a_booking_shows_its_reference_and_state(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    """The client quotes the reference; the admin sees it, and where the booking stands."""
    _, _, service = await make_provider(uows, clock.now())
    chat = client_chat(uows, clock, language="fr")
    await chat.send("/start")
    booking_id = await request(
        uows, clock.now(), (await user_of(chat)).id, service, date(2026, 6, 14)
    )
    await chat.send("/support")
    await chat.click("sc:booking")
    await chat.click(f"sb:{booking_id}")
    await chat.send("Le prestataire ne répond pas")
    ticket_id = (await chat.state()).data["ticket_id"]

    shown = await admin.json("tickets", "show", str(ticket_id))
    async with uows() as uow:
        reference = await uow.session.scalar(
            select(Booking.reference).where(Booking.id == booking_id)
        )
    assert shown["booking"] == {"id": booking_id, "reference": reference, "state": "requested"}
    other = await open_by_chat(chat, "Une question sur mon compte")
    assert (await admin.json("tickets", "show", str(other)))["booking"] is None
