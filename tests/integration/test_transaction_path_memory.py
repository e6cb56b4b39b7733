"""What the transaction path reads and what it leaves remembered.

A step declared to write reads who wrote and the conversation inside its own transaction,
whatever the process remembers: that read is the one its writes rest on. It reads nothing
before: the path is known from the remembered conversation alone. After the commit the
process remembers the conversation and, unless the transaction changed them, who wrote, so
the chat's next update reads neither again."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from core.clock import FixedClock
from core.conversations.chat_memory import USER_FIELDS, committed_identity, unchanged_user
from core.conversations.store import ChatRef
from core.db.tables import ChannelIdentity, User
from core.people.users import Identified
from core.uow import UnitOfWorkFactory
from dialogs.framework.engine import BLOCKED
from dialogs.i18n.translator import translator
from tests.support.chat import Chat, client_chat, user_of
from tests.support.statements import statements_on

EN, FR = translator("en"), translator("fr")
TICKETS = "/tickets"  # a command declared to write (support threads are read exactly)


def ref(chat: Chat) -> ChatRef:
    return ChatRef(chat.channel, chat.chat_key, chat.user_external_id)


def reads_of(table: str, sent: list[str]) -> list[str]:
    return [s for s in sent if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s]


async def after_a_transaction(uows: UnitOfWorkFactory, clock: FixedClock) -> Chat:
    """A chat whose last update ran in a transaction that left the user as it was."""
    chat = client_chat(uows, clock)
    await chat.send("/start")
    transactions = chat.engine.paths["transaction"]
    await chat.send(TICKETS)
    assert chat.engine.paths["transaction"] == transactions + 1
    return chat


async def test_who_wrote_is_remembered_after_a_transaction_that_left_them_as_they_were(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = await after_a_transaction(uows, clock)
    store, paths = chat.engine.store, chat.engine.paths
    identity, conversation = store.remembered(ref(chat))
    assert identity is not None and conversation is not None
    assert identity.detached_user().locale == "en"
    transactions = paths["transaction"]
    with statements_on(uows.engine) as sent:
        await chat.send(TICKETS)
    assert paths["transaction"] == transactions + 1
    # Nothing read before the transaction; in it, who wrote and the conversation, afresh.
    assert len(reads_of("channel_identities", sent)) == 1
    assert len(reads_of("conversations", sent)) == 1
    identity, conversation = store.remembered(ref(chat))
    assert identity is not None and conversation is not None
    assert conversation.version == 3  # the first contact, then each /tickets


async def test_a_writing_step_still_reads_who_wrote_and_the_chat_afresh(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Remembered is not trusted by a step that writes: another process blocking the user
    is seen at once (a read-only step sees it within chat_memory.IDENTITY_TTL)."""
    chat = await after_a_transaction(uows, clock)
    assert chat.engine.store.remembered(ref(chat))[0] is not None
    user_id = (await user_of(chat)).id
    async with uows.engine.begin() as conn:  # another process: this one hears nothing
        await conn.execute(update(User).where(User.id == user_id).values(blocked=True))
    await chat.send(TICKETS)
    assert chat.text == EN(BLOCKED)


async def test_a_user_the_transaction_changed_is_read_afresh_once(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.click("m:lang")
    await chat.click("lang:fr")  # a transaction that changes the user
    store = chat.engine.store
    identity, conversation = store.remembered(ref(chat))
    assert identity is None and conversation is not None
    with statements_on(uows.engine) as sent:
        await chat.click("m:find")  # read-only: who wrote is read, in the new language
    assert chat.text.startswith(FR("What are you looking for?"))
    assert len(reads_of("channel_identities", sent)) == 1
    # ...and remembered, though their last contact (a moment ago) was no news.
    with statements_on(uows.engine) as sent:
        await chat.click("cat:photographer")
    assert reads_of("channel_identities", sent) == []
    assert reads_of("conversations", sent) == []


async def test_a_step_declared_to_write_reads_nothing_before_its_transaction(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Who wrote forgotten (here: their user just changed), the chat remembered: the path
    is read from the chat, and only the transaction reads who wrote."""
    chat = await after_a_transaction(uows, clock)
    user_id = (await user_of(chat)).id
    async with uows() as uow:  # a change in this process: the memory drops who wrote
        user = await uow.session.get(User, user_id)
        assert user is not None
        user.display_name = "Renamed"
        await uow.commit()
    assert chat.engine.store.remembered(ref(chat))[0] is None
    with statements_on(uows.engine) as sent:
        await chat.send(TICKETS)
    assert len(reads_of("channel_identities", sent)) == 1
    assert len(reads_of("conversations", sent)) == 1


def who(user_id: int, *, without: str = "") -> Identified:
    """An identity of user 1 and ``user_id``'s user, as a transaction left them (a value
    ``without``: not loaded, as after a savepoint undone)."""
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    values = {name: None for name in USER_FIELDS} | {"id": user_id, "created_at": now}
    user = unchanged_user({k: v for k, v in values.items() if k != without})
    identity = ChannelIdentity(id=7, user_id=1, unreachable=False, last_inbound_at=now)
    return Identified(identity, user)


def test_only_the_identity_of_the_user_read_and_wholly_loaded_is_remembered() -> None:
    kept = committed_identity(who(1), 0.0)
    assert kept is not None and kept.user[0] == 1 and kept.identity_id == 7
    # Joined by phone, the identity belongs to the account whose number it is now: the
    # user the transaction began with is not who writes in this chat any more.
    assert committed_identity(who(2), 0.0) is None
    # Nothing is read to remember it (no query may run after the commit).
    assert committed_identity(who(1, without="locale"), 0.0) is None
