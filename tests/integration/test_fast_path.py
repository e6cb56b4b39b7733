"""The engine's way without a transaction: which updates take it (as their steps declare),
which run in one, and that the database ends up exactly as if every update had had its
own transaction."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import cast

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.conversations.store import ChatRef
from core.db.tables import ChannelIdentity, Conversation, OutboxMessage, ProcessedEvent, User
from core.notifications.direct_replies import DIRECT_LEASE
from core.payments.ports import Payments
from core.uow import UnitOfWorkFactory
from dialogs.framework.context import Deps, without_transaction
from dialogs.framework.engine import Inbound
from dialogs.framework.kept_replies import KeepReply
from dialogs.i18n.translator import translator
from dialogs.nlu.builtin import BuiltinParser
from dialogs.provider.app import PROVIDER_APP
from tests.support.bookings import count
from tests.support.chat import (
    Chat,
    bookings,
    client_chat,
    dialog_engine,
    journeys,
    open_market,
    provider_chat,
    user_of,
)
from tests.support.factories import make_provider
from tests.support.statements import selects, statements_on

EN, FR = translator("en"), translator("fr")


def with_event(inbound: Inbound, update_id: int) -> Inbound:
    return replace(inbound, event_source="test", event_id=str(update_id))


def in_another_process(chat: Chat, uows: UnitOfWorkFactory, clock: FixedClock) -> Chat:
    """The same chat served by another engine (another process, or this one restarted):
    the same database, a memory of its own."""
    other = client_chat(uows, clock, key=chat.chat_key)
    other.seen([chat.last])
    return other


async def test_navigation_goes_through_the_journal(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    batches = chat.engine.store.batches
    await chat.send("/start")  # a first contact, created by the journal
    await chat.click("m:find")
    await chat.click("cat:photographer")
    await chat.click("city:rabat")
    with statements_on(uows.engine) as sent:
        await chat.click("day:any")  # results: the cached search, then the journal
    assert EN("Page {page} of {pages}", page=1, pages=1) in chat.text
    assert chat.engine.store.batches == batches + 5
    # Who and where came from memory; the writes are the journal's: the state, and "they
    # wrote, so they are reachable" for the identity.
    assert not [s for s in sent if "FROM channel_identities" in s or "FROM conversations" in s]
    writes = [s for s in sent if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert [w.split(" SET ")[0] for w in writes] == [
        "UPDATE conversations",
        "UPDATE channel_identities",
    ]
    assert [s for s in sent if s.startswith("INSERT INTO processed_events")] == []  # no event id
    state = await chat.state()
    assert state.position == "discover:results"
    user = await user_of(chat)
    assert (user.locale, user.display_name) == ("en", "Test user")


async def test_a_step_that_writes_runs_in_a_transaction_and_memory_follows(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.click("m:lang")
    batches = chat.engine.store.batches
    await chat.click("lang:fr")  # changes the user: the journal can't do it
    assert chat.engine.store.batches == batches
    assert FR("Language changed.") in chat.text
    assert (await user_of(chat)).locale == "fr"
    await chat.click("m:find")  # from memory again, in the new language
    assert chat.engine.store.batches == batches + 1
    assert chat.text.startswith(FR("What are you looking for?"))


async def test_a_redelivered_update_changes_nothing(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(uows, clock)
    first = with_event(chat.inbound(text="/start"), 1)
    assert await chat.deliver(first)
    press = with_event(chat.inbound(payload=chat.payload("m:find")), 2)
    assert await chat.deliver(press)
    state = await chat.state()
    for again in (first, press, first):
        assert await chat.engine.handle(again) == []
    assert (await chat.state()) == state
    assert await count(uows, ProcessedEvent) == 2


async def test_another_process_moving_the_chat_on_is_noticed(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(uows, clock)
    await chat.send("/start")
    menu = chat.payload("m:find")
    other = in_another_process(chat, uows, clock)
    await other.send("/start")
    await other.click("m:find")  # the chat is on the categories now
    await chat.press(menu)  # this process still remembers the menu: refused, run again
    assert EN("That button belongs to an older message.") in chat.text
    assert (await chat.state()).position == "discover:category"


async def test_a_restarted_process_picks_up_where_the_chat_was(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.click("m:find")
    after_restart = in_another_process(chat, uows, clock)
    await after_restart.click("cat:photographer")
    assert after_restart.text.startswith(EN("In which city is the event?"))
    assert await count(uows, User) == 1
    assert await count(uows, ChannelIdentity) == 1
    assert await count(uows, Conversation) == 1


async def test_a_user_changed_elsewhere_in_the_process_is_read_afresh(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(uows, clock)
    neighbour = Chat(chat.engine, "c:2")
    await chat.send("/start")
    await neighbour.send("/start")
    store = chat.engine.store
    async with uows() as uow:  # as the sandbox's language picker does
        user = await uow.session.get(User, (await user_of(chat)).id)
        assert user is not None
        user.locale = "fr"
        await uow.commit()
    assert store.remembered(ref(chat))[0] is None  # read afresh
    assert store.remembered(ref(neighbour))[0] is not None  # kept
    await chat.click("m:find")
    assert chat.text.startswith(FR("What are you looking for?"))


def ref(chat: Chat) -> ChatRef:
    return ChatRef(chat.channel, chat.chat_key, chat.user_external_id)


def test_a_step_declared_read_only_cannot_reach_the_payment_gateway() -> None:
    deps = without_transaction(Deps(nlu=BuiltinParser(), payments=cast(Payments, object())))
    assert deps.payments is not None  # a wrongly declared step goes on to use them...
    with pytest.raises(AttributeError):
        _ = deps.payments.gateway  # ...and fails before any charge or refund
    with pytest.raises(TypeError):
        bool(deps.payments)
    plain = Deps(nlu=BuiltinParser())
    assert without_transaction(plain) is plain  # payments off: nothing to guard


async def test_the_booking_form_asks_its_questions_without_a_transaction(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Each question of the form only reads (the service, its free days and times) and
    keeps the answer in the chat: the journal writes it, the name, phone and email too.
    The request goes with the chat's state in the journal's batch, where it is checked and
    written, and puts them on the user: no step runs in a transaction. (The deep link's
    source goes with a first contact's user.)"""
    market = await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    in_transaction = []
    for kind, arg in journeys(market)["book"] + [("click", "confirm")]:
        before = chat.engine.paths["transaction"]
        with statements_on(uows.engine) as sent:
            await (chat.send(arg) if kind == "send" else chat.click(arg))
        if chat.engine.paths["transaction"] > before:
            in_transaction.append(arg)
        if arg == "gst:100":  # the service and the provider's cities were read before
            assert selects(sent) == []
    assert in_transaction == []
    [booking] = await bookings(uows)
    assert booking.state == "requested"
    assert booking.reference in chat.text  # "Your request MSB-... has been sent"
    assert chat.engine.paths["conflict"] == 0
    async with uows() as uow:  # what the form left on the account, for the next booking
        client = await uow.session.get(User, booking.client_id)
        assert client is not None
        assert (client.contact_phone, client.email) == ("+212612345678", "me@example.com")
        assert client.phone_e164 is None  # typed, not proven
        kinds = await uow.session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.kind == "booking_requested")
        )
        assert kinds.all() == ["booking_requested"]  # the provider's news, once


async def test_a_chat_recalled_from_the_database_is_remembered_after_its_write(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """After a step in a transaction the process reads the chat's identity again once;
    the journal's write then keeps it, so the chat's next update reads nothing."""
    await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.click("m:lang")
    await chat.click("lang:fr")  # changes the user: a transaction, which forgets the user
    who = "FROM channel_identities"
    with statements_on(uows.engine) as sent:
        await chat.click("m:find")
    assert [s for s in sent if who in s]  # read afresh, once
    with statements_on(uows.engine) as sent:
        await chat.click("cat:photographer")
    assert not [s for s in sent if who in s or "FROM conversations" in s]
    assert chat.text.startswith(FR("In which city is the event?"))


async def test_a_first_contacts_deep_link_source_is_created_with_its_user(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The site's link is most clients' first message: the journal creates the user with
    the link's source, without a transaction. A later link keeps the first source, and
    changing a known user takes a transaction as before."""
    await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    batches = chat.engine.store.batches
    await chat.send("/start s-site__p-studio-atlas")
    assert chat.engine.paths == {"fast": 1}
    assert chat.engine.store.batches == batches + 1
    assert chat.text.startswith("✦ ")  # the provider's profile
    assert (await user_of(chat)).source == "site"
    await chat.send("/start s-ig__p-studio-atlas")  # a known user: its user may change
    assert chat.engine.paths["transaction"] == 1
    assert (await user_of(chat)).source == "site"  # the first source sticks


async def test_a_link_on_a_later_message_is_no_first_contact(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(uows, clock)
    await chat.send("salam")
    await chat.send("/start s-ig")
    assert chat.engine.paths == {"fast": 1, "transaction": 1}
    assert (await user_of(chat)).source == "ig"


async def test_a_press_after_a_restart_reads_its_chat_rather_than_trying_a_new_one(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A button press answers a message the bot sent, so its chat exists: the process that
    remembers nothing of it reads it, instead of trying a first contact the journal would
    refuse (a wasted batch, then a transaction)."""
    await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.click("m:find")
    chat.engine.store.clear()  # as after a restart
    paths, batches = dict(chat.engine.paths), chat.engine.store.batches
    await chat.click("cat:photographer")
    assert chat.engine.paths == {**paths, "fast": paths["fast"] + 1}  # no conflict
    assert chat.engine.store.batches == batches + 1
    assert chat.text.startswith(EN("In which city is the event?"))


async def test_a_provider_writing_after_a_restart_is_read_not_tried_as_a_new_person(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The provider bot's writers are mostly known: a chat the process does not remember
    is read first, so /start after a restart takes the read-only path at once, where a
    first contact would have been refused by the journal and run again in a transaction."""
    owner, _, _ = await make_provider(uows, clock.now())
    chat = await provider_chat(uows, clock, owner)
    await chat.send("/start")
    chat.engine.store.clear()  # as after a restart
    paths = dict(chat.engine.paths)
    await chat.send("/start")
    assert chat.engine.paths == {**paths, "fast": paths.get("fast", 0) + 1}  # no conflict
    assert await chat.position() == "phome:home"


async def test_a_new_provider_writing_first_gets_an_account(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Read first, nothing found: the update runs in a transaction, which creates the user."""
    chat = Chat(dialog_engine(PROVIDER_APP, uows, clock), "p:newcomer", language="fr")
    await chat.send("/start")
    assert chat.engine.paths == {"transaction": 1}
    assert (await user_of(chat)).locale == "fr"


async def test_a_copy_of_an_update_whose_reply_is_being_sent_sends_nothing(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The channel sends a kept reply after the chat's lock is let go: a copy of the update
    delivered meanwhile finds the reply unsent, but this process is sending it, so the
    copy answers nothing. In another process (the first one died), the copy takes the
    reply over; once the first sender said it went out, nobody sends it again."""
    chat = client_chat(uows, clock)
    await chat.send("/start")
    keep = KeepReply("client", DIRECT_LEASE)
    press = replace(with_event(chat.inbound(payload=chat.payload("m:find")), 7), keep=keep)
    first = await chat.engine.answer(press)
    assert first.replies and first.attempt is not None  # being sent by this caller
    assert (await chat.engine.answer(press)).replies == []
    other = in_another_process(chat, uows, clock)
    taken = await other.engine.answer(press)
    assert taken.replies == first.replies and taken.attempt is not None
    assert taken.attempt.number == 2
    other.engine.delivered(taken.attempt)
    await other.engine.store.flush()
    assert (await chat.engine.answer(press)).replies == []


async def test_a_reply_whose_sender_never_said_is_not_held_past_its_lease(
    uows: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller cancelled while sending never says how it went: its reply is held as being
    sent for its lease only, then forgotten at the next answer: the map stays bounded
    however many sends are cut short."""
    chat = client_chat(uows, clock)
    await chat.send("/start")
    keep = KeepReply("client", DIRECT_LEASE)
    press = replace(with_event(chat.inbound(payload=chat.payload("m:find")), 7), keep=keep)
    first = await chat.engine.answer(press)
    assert first.attempt is not None and chat.engine.sending() == {first.attempt.outbox_id}
    later = time.monotonic() + DIRECT_LEASE.total_seconds() + 1
    monkeypatch.setattr("dialogs.framework.engine.time.monotonic", lambda: later)
    other = replace(with_event(chat.inbound(text="/start"), 8), keep=keep)
    second = await chat.engine.answer(other)
    assert second.attempt is not None
    # The first one forgotten by the answer itself (no copy came to ask)...
    assert set(chat.engine._sending) == {second.attempt.outbox_id}
    assert chat.engine.sending() == {second.attempt.outbox_id}
