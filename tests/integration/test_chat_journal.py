"""The chat journal: many chats' bookkeeping in one transaction, each write on its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.conversations.journal import ChatJournal, ChatWrite, NewChat, Outcome, Written
from core.db.tables import ChannelIdentity, Conversation, ProcessedEvent, User


def new_chat(n: int) -> NewChat:
    return NewChat("telegram_client", str(n), str(n), f"Client {n}", "ar")


async def first_contacts(journal: ChatJournal, clock: FixedClock, count: int) -> list[Outcome]:
    return await asyncio.gather(
        *(
            journal.write(
                ChatWrite(clock.now(), {"seq": 1}, event=("tg:1", f"u{n}"), new_chat=new_chat(n))
            )
            for n in range(count)
        )
    )


async def count(engine: AsyncEngine, table: type) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def test_first_contacts_are_created_together(engine: AsyncEngine, clock: FixedClock) -> None:
    journal = ChatJournal(engine)
    outcomes = await first_contacts(journal, clock, 30)
    assert {o.written for o in outcomes} == {Written.DONE}
    assert journal.batches <= 2  # the first write goes alone, the 29 others together
    assert await count(engine, User) == 30
    assert await count(engine, ChannelIdentity) == 30
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(User.locale, User.display_name, ChannelIdentity.last_inbound_at)
                .join(ChannelIdentity, ChannelIdentity.user_id == User.id)
                .where(ChannelIdentity.external_id == "7")
            )
        ).one()
        state = await conn.scalar(select(Conversation.state).where(Conversation.chat_key == "7"))
    assert row == ("ar", "Client 7", clock.now())
    assert state == {"seq": 1}


async def test_a_second_first_contact_conflicts_and_leaves_nothing(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    journal = ChatJournal(engine)
    await first_contacts(journal, clock, 1)
    again = await journal.write(
        ChatWrite(clock.now(), {"seq": 9}, event=("tg:1", "other"), new_chat=new_chat(0))
    )
    assert again.written is Written.CONFLICT
    assert await count(engine, User) == 1  # the would-be user went with the savepoint
    assert await count(engine, ProcessedEvent) == 1  # and so did the claim


async def test_state_writes_check_the_version_and_claim_once(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    journal = ChatJournal(engine)
    made = await first_contacts(journal, clock, 3)
    ids = [o.conversation_id or 0 for o in made]
    writes = [
        ChatWrite(clock.now(), {"seq": 2}, ids[0], 1, ("tg:1", "a")),
        ChatWrite(clock.now(), {"seq": 2}, ids[1], 0, ("tg:1", "b")),  # stale version
        ChatWrite(clock.now(), {"seq": 2}, ids[2], 1, ("tg:1", "u2")),  # claimed before
        ChatWrite(clock.now(), {"seq": 2}, ids[0], 1, ("tg:1", "a")),  # same event twice
    ]
    outcomes = await asyncio.gather(*(journal.write(w) for w in writes))
    assert [o.written for o in outcomes] == [
        Written.DONE,
        Written.CONFLICT,
        Written.DUPLICATE,
        Written.DUPLICATE,
    ]
    assert outcomes[0].version == 2
    async with engine.connect() as conn:
        rows: dict[int, object] = dict(
            (await conn.execute(select(Conversation.id, Conversation.state))).all()
        )
        claims = set((await conn.scalars(select(ProcessedEvent.external_id))).all())
    assert rows[ids[0]] == {"seq": 2}
    assert rows[ids[1]] == {"seq": 1}  # the stale write left it alone
    assert rows[ids[2]] == {"seq": 1}
    assert claims == {"u0", "u1", "u2", "a"}  # "b" was taken back with its conflict


async def test_last_contact_is_touched_only_for_kept_writes(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    journal = ChatJournal(engine)
    made = await first_contacts(journal, clock, 2)
    clock.advance(timedelta(minutes=5))
    await asyncio.gather(
        journal.write(
            ChatWrite(clock.now(), {}, made[0].conversation_id, 1, None, made[0].identity_id, True)
        ),
        journal.write(
            ChatWrite(clock.now(), {}, made[1].conversation_id, 7, None, made[1].identity_id, True)
        ),
    )
    async with engine.connect() as conn:
        seen = dict(
            (await conn.execute(select(ChannelIdentity.id, ChannelIdentity.last_inbound_at))).all()
        )
    assert seen[made[0].identity_id or 0] == clock.now()
    assert seen[made[1].identity_id or 0] == clock.now() - timedelta(minutes=5)


async def test_whoever_writes_is_reachable_again(engine: AsyncEngine, clock: FixedClock) -> None:
    journal = ChatJournal(engine)
    made = await first_contacts(journal, clock, 2)
    async with engine.begin() as conn:
        await conn.execute(update(ChannelIdentity).values(unreachable=True))
    await asyncio.gather(
        journal.write(
            ChatWrite(clock.now(), {}, made[0].conversation_id, 1, None, made[0].identity_id)
        ),
        journal.write(
            ChatWrite(clock.now(), {}, made[1].conversation_id, 0, None, made[1].identity_id)
        ),
    )
    async with engine.connect() as conn:
        flags = dict(
            (await conn.execute(select(ChannelIdentity.id, ChannelIdentity.unreachable))).all()
        )
    assert flags == {made[0].identity_id: False, made[1].identity_id: True}  # a refused write


async def test_a_write_the_database_refuses_fails_alone(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    journal = ChatJournal(engine)
    made = await first_contacts(journal, clock, 2)
    # users.locale may not be NULL: both databases refuse this first contact.
    poisoned = NewChat("telegram_client", "p", "p", "No locale", cast(str, None))
    first, refused, last = await asyncio.gather(
        journal.write(ChatWrite(clock.now(), {"seq": 2}, made[0].conversation_id, 1)),
        journal.write(ChatWrite(clock.now(), {}, new_chat=poisoned)),
        journal.write(ChatWrite(clock.now(), {"seq": 2}, made[1].conversation_id, 1)),
        return_exceptions=True,
    )
    assert isinstance(refused, Exception)
    assert isinstance(first, Outcome) and first.written is Written.DONE
    assert isinstance(last, Outcome) and last.written is Written.DONE


async def test_two_writes_of_one_chat_in_a_batch_keep_only_the_first(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    journal = ChatJournal(engine)
    [made] = await first_contacts(journal, clock, 1)
    first, second = await asyncio.gather(
        journal.write(ChatWrite(clock.now(), {"seq": "a"}, made.conversation_id, 1, ("t", "a"))),
        journal.write(ChatWrite(clock.now(), {"seq": "b"}, made.conversation_id, 1, ("t", "b"))),
    )
    assert (first.written, second.written) == (Written.DONE, Written.CONFLICT)
    async with engine.connect() as conn:
        state = await conn.scalar(select(Conversation.state))
        claims = set((await conn.scalars(select(ProcessedEvent.external_id))).all())
    assert state == {"seq": "a"}
    assert claims == {"u0", "a"}  # the refused one's claim went with it
