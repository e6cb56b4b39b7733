"""Replay: Telegram delivers an update again whenever it got no timely answer, sometimes
while the first delivery is still being handled. 1,000 deliveries of duplicated updates,
50 at a time, must each take effect once: one reply per update, one booking per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from sqlalchemy import select

from core.db.tables import Booking, OutboxMessage, ProcessedEvent, User
from tests.fakes import FakeUser
from tests.reliability.journeys import at_most, shuffled, to_summary
from tests.reliability.world import CLIENT_TOKEN, World, press_update, text_update

FIRST_CONTACTS = 50  # users whose first "/start" arrives ten times
START_COPIES = 10
BOOKERS = 10  # clients whose "Send the request" press arrives fifty times
CONFIRM_COPIES = 50
CONCURRENCY = 50
BOT_SENDS = ("sendMessage", "editMessageText", "sendPhoto", "sendMediaGroup")


def bot_calls(w: World, chat_id: int) -> int:
    """What the client bot sent to or changed in one chat: every reply is one or more."""
    return sum(
        1
        for call in w.telegram.calls(bot=CLIENT_TOKEN)
        if call.method in BOT_SENDS and call.ok and call.params.get("chat_id") == chat_id
    )


async def test_a_thousand_duplicated_updates_each_take_effect_once(everything: World) -> None:
    w = everything
    # What one "/start" makes the bot send, delivered once.
    control = FakeUser(id=5000, first_name="Control")
    await w.say(control, "/start")
    await w.quiet()
    once = bot_calls(w, control.id)
    assert once >= 1

    users = [FakeUser(id=6000 + n, first_name=f"Guest{n}") for n in range(FIRST_CONTACTS)]
    posts: list[Callable[[], Awaitable[int]]] = []
    for n, user in enumerate(users):
        w.telegram.open_chat(CLIENT_TOKEN, user)
        update = text_update(900_000 + n, user, "/start")
        posts += [partial(w.post_update, "client", update)] * START_COPIES

    bookers = [FakeUser(id=7000 + n, first_name=f"Booker{n}") for n in range(BOOKERS)]
    for n, user in enumerate(bookers):
        await to_summary(w, user, f"{10 + n} June", f"06123456{n:02d}")
    for n, user in enumerate(bookers):
        summary = w.message_with(user, "confirm")
        [data] = [d for d in summary.callback_data() if d.endswith("|confirm")]
        press = press_update(950_000 + n, user, summary.message_id, data)
        posts += [partial(w.post_update, "client", press)] * CONFIRM_COPIES
    before = {user.id: bot_calls(w, user.id) for user in bookers}

    statuses = await at_most(CONCURRENCY, shuffled(posts, seed=18))
    assert len(statuses) == 1000
    assert set(statuses) == {200}
    await w.quiet()

    # One reply per first contact, as for the control: no duplicate reached the chat.
    assert {user.id: bot_calls(w, user.id) for user in users} == {u.id: once for u in users}
    async with w.uows() as uow:
        claimed = set((await uow.session.scalars(select(ProcessedEvent.external_id))).all())
        bookings = (await uow.session.execute(select(Booking.id, Booking.client_id))).all()
        clients = {client for _, client in bookings}
        requested = (
            await uow.session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.kind == "booking_requested")
            )
        ).all()
        users_made = len((await uow.session.scalars(select(User.id))).all())
    assert {str(900_000 + n) for n in range(FIRST_CONTACTS)} <= claimed
    assert {str(950_000 + n) for n in range(BOOKERS)} <= claimed
    # One booking per booker, one request to the provider per booking.
    assert len(bookings) == BOOKERS and len(clients) == BOOKERS
    assert len(requested) == BOOKERS
    # One account per person: provider, control, first contacts, bookers.
    assert users_made == 1 + 1 + FIRST_CONTACTS + BOOKERS
    # Each booker's press answered once: the same number of sends for every booker.
    after = {user.id: bot_calls(w, user.id) - before[user.id] for user in bookers}
    assert len(set(after.values())) == 1 and min(after.values()) >= 1, after


def contact_update(update_id: int, user: FakeUser, phone: str) -> dict[str, Any]:
    """The user's own contact, shared with the request_contact button, as Telegram posts it."""
    update = text_update(update_id, user, "")
    del update["message"]["text"]
    update["message"]["contact"] = {
        "phone_number": phone,
        "first_name": user.first_name,
        "user_id": user.id,
    }
    return update


async def test_a_shared_contact_delivered_again_and_again_is_taken_once(
    everything: World,
) -> None:
    """The booking form keeps a shared contact in the chat, without a transaction (the
    request puts it on the account): ten copies of it at once still move the form one step,
    answer once, and the request proves the number once."""
    w = everything
    user = FakeUser(id=8000, first_name="Salma")
    await w.say(user, f"/start p-{w.provider.slug}")
    await w.tap(user, f"book:{w.provider.service_id}")
    await w.tap(user, "evt:wedding")
    await w.say(user, "12 June")
    await w.tap(user, "gst:100")
    await w.tap(user, "city:rabat")
    await w.say(user, "Salle Al Amal")
    await w.say(user, "-")
    before = len(w.texts(user))
    contact = contact_update(990_000, user, "212661234567")
    statuses = await at_most(10, [partial(w.post_update, "client", contact)] * 10)
    assert set(statuses) == {200}
    await w.quiet()
    said = w.texts(user)[before:]
    assert sum("email" in text for text in said) == 1, said  # the next question, once
    await w.tap(user, "skip")  # no email
    await w.tap(user, "confirm")
    async with w.uows() as uow:
        owners = (
            await uow.session.scalars(select(User.id).where(User.phone_e164 == "+212661234567"))
        ).all()
        phones = (await uow.session.scalars(select(Booking.contact_phone))).all()
    assert len(owners) == 1
    assert phones == ["+212661234567"]
