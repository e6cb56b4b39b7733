"""The chat journal: many chats' bookkeeping in one transaction, each write on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Connection, event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.conversations.journal import (
    ChatJournal,
    ChatWrite,
    KeptReply,
    NewChat,
    Outcome,
    Written,
)
from core.db.tables import ChannelIdentity, Conversation, OutboxMessage, ProcessedEvent, User
from core.errors import InvalidValue
from core.uow import Committed


def new_chat(n: int) -> NewChat:
    return NewChat("telegram_client", str(n), str(n), f"Client {n}", "ar")


async def first_contacts(journal: ChatJournal, clock: FixedClock, count: int) -> list[Outcome]:
    return await asyncio.gather(
        *(
            journal.write(
                ChatWrite(clock.now(), '{"seq": 1}', event=("tg:1", f"u{n}"), new_chat=new_chat(n))
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
        ChatWrite(clock.now(), '{"seq": 9}', event=("tg:1", "other"), new_chat=new_chat(0))
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
        ChatWrite(clock.now(), '{"seq": 2}', ids[0], 1, ("tg:1", "a")),
        ChatWrite(clock.now(), '{"seq": 2}', ids[1], 0, ("tg:1", "b")),  # stale version
        ChatWrite(clock.now(), '{"seq": 2}', ids[2], 1, ("tg:1", "u2")),  # claimed before
        ChatWrite(clock.now(), '{"seq": 2}', ids[0], 1, ("tg:1", "a")),  # same event twice
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
            ChatWrite(
                clock.now(), "{}", made[0].conversation_id, 1, None, made[0].identity_id, True
            )
        ),
        journal.write(
            ChatWrite(
                clock.now(), "{}", made[1].conversation_id, 7, None, made[1].identity_id, True
            )
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
            ChatWrite(clock.now(), "{}", made[0].conversation_id, 1, None, made[0].identity_id)
        ),
        journal.write(
            ChatWrite(clock.now(), "{}", made[1].conversation_id, 0, None, made[1].identity_id)
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
        journal.write(ChatWrite(clock.now(), '{"seq": 2}', made[0].conversation_id, 1)),
        journal.write(ChatWrite(clock.now(), "{}", new_chat=poisoned)),
        journal.write(ChatWrite(clock.now(), '{"seq": 2}', made[1].conversation_id, 1)),
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
        journal.write(ChatWrite(clock.now(), '{"seq": "a"}', made.conversation_id, 1, ("t", "a"))),
        journal.write(ChatWrite(clock.now(), '{"seq": "b"}', made.conversation_id, 1, ("t", "b"))),
    )
    assert (first.written, second.written) == (Written.DONE, Written.CONFLICT)
    async with engine.connect() as conn:
        state = await conn.scalar(select(Conversation.state))
        claims = set((await conn.scalars(select(ProcessedEvent.external_id))).all())
    assert state == {"seq": "a"}
    assert claims == {"u0", "a"}  # the refused one's claim went with it


async def test_a_kept_reply_is_written_with_the_step_and_marked_sent_later(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    journal = ChatJournal(engine)
    [made] = await first_contacts(journal, clock, 1)
    until = clock.now() + timedelta(seconds=15)  # the caller sends it meanwhile
    reply = KeptReply("telegram_client", {"replies": []}, "reply:tg:1:u9", made.user_id, until)
    write = ChatWrite(
        clock.now(), '{"seq": 2}', made.conversation_id, 1, ("tg:1", "u9"), reply=reply
    )
    outcome = await journal.write(write)
    assert outcome.reply is not None and outcome.reply.number == 1
    async with engine.connect() as conn:
        row = (await conn.execute(select(OutboxMessage.status, OutboxMessage.user_id))).one()
    assert row == ("sending", made.user_id)

    journal.mark_sent(outcome.reply, clock.now())
    await journal.flush()
    async with engine.connect() as conn:
        assert await conn.scalar(select(OutboxMessage.status)) == "sent"


async def kept_replies(journal: ChatJournal, clock: FixedClock, n: int) -> list[Outcome]:
    """``n`` first contacts, then a step of each whose reply its caller holds to send."""
    made = await first_contacts(journal, clock, n)
    until = clock.now() + timedelta(seconds=15)
    return await asyncio.gather(
        *(
            journal.write(
                ChatWrite(
                    clock.now(),
                    '{"seq": 2}',
                    o.conversation_id,
                    1,
                    ("tg:1", f"k{i}"),
                    reply=KeptReply("telegram_client", {}, f"reply:k{i}", o.user_id, until),
                )
            )
            for i, o in enumerate(made)
        )
    )


async def statuses(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.scalars(select(OutboxMessage.status))).all())


async def test_marks_wait_for_a_write_to_ride_on(engine: AsyncEngine, clock: FixedClock) -> None:
    """A transaction path's reply has no write of its own to ride on: its mark waits for
    one (here the next chat's step) instead of taking a transaction of its own."""
    journal = ChatJournal(engine, marks_wait=60)
    first, second = await kept_replies(journal, clock, 2)
    assert first.reply is not None and second.reply is not None
    batches = journal.batches
    journal.mark_sent(first.reply, clock.now())
    await asyncio.sleep(0.05)
    assert journal.batches == batches and await statuses(engine) == ["sending", "sending"]
    step = ChatWrite(clock.now(), '{"seq": 3}', first.conversation_id, 2, ("tg:1", "next"))
    assert (await journal.write(step)).written is Written.DONE
    assert journal.batches == batches + 1
    assert sorted(await statuses(engine)) == ["sending", "sent"]
    journal.mark_sent(second.reply, clock.now())
    await journal.flush()  # now, whatever the wait (closing the process does this)
    assert journal.batches == batches + 2
    assert await statuses(engine) == ["sent", "sent"]


async def test_marks_with_nothing_to_ride_on_go_together_after_the_wait(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    journal = ChatJournal(engine, marks_wait=0.05)
    outcomes = await kept_replies(journal, clock, 3)
    batches = journal.batches
    for outcome in outcomes:
        assert outcome.reply is not None
        journal.mark_sent(outcome.reply, clock.now())
    for _ in range(100):
        if journal.batches > batches:
            break
        await asyncio.sleep(0.01)
    await journal.flush()
    assert journal.batches == batches + 1
    assert await statuses(engine) == ["sent", "sent", "sent"]


async def test_the_batch_updates_find_their_rows_by_primary_key(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    """Not by scanning the table: conversations and the outbox grow with every chat."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the plans checked are SQLite's (PostgreSQL plans by table size)")
    journal = ChatJournal(engine)
    made = await first_contacts(journal, clock, 3)
    writes = [
        ChatWrite(
            clock.now(),
            '{"seq": 2}',
            o.conversation_id,
            1,
            reply=KeptReply("telegram_client", {}, f"reply:{n}", o.user_id, clock.now()),
        )
        for n, o in enumerate(made)
    ]
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        outcomes = await asyncio.gather(*(journal.write(w) for w in writes))
        for outcome in outcomes:
            assert outcome.reply is not None
            journal.mark_sent(outcome.reply, clock.now())
        await journal.flush()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
    tables = {statement.split()[1] for statement, _ in seen}
    assert {"conversations", "outbox"} <= tables
    async with engine.connect() as conn:
        for statement, parameters in seen:
            plan = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            details = " / ".join(str(row[-1]) for row in plan)
            assert "SCAN conversations" not in details and "SCAN outbox" not in details, details


async def test_a_writes_extra_goes_with_its_chat_or_not_at_all(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    """An extra (a booking request's, in the app) is written in the batch with its chat's
    state; refused (a DomainError), or with a stale state, neither is kept, its claim is
    taken back, and the batch's other writes are kept."""
    journal = ChatJournal(engine)
    made = await first_contacts(journal, clock, 4)
    ids = [o.conversation_id or 0 for o in made]
    told = Committed({"processed_events": None})

    def noting(key: str) -> Callable[[Connection], Committed]:
        def extra(conn: Connection) -> Committed:
            row = {"source": "extra", "external_id": key, "processed_at": clock.now()}
            conn.execute(insert(ProcessedEvent).values(row))
            if key == "refused":  # what it wrote so far goes with the savepoint
                raise InvalidValue("slot_taken")
            return told

        return extra

    writes = [
        ChatWrite(clock.now(), '{"seq": 2}', ids[0], 1, ("tg:2", "a"), extra=noting("kept")),
        ChatWrite(clock.now(), '{"seq": 2}', ids[1], 1, ("tg:2", "b"), extra=noting("refused")),
        ChatWrite(clock.now(), '{"seq": 2}', ids[2], 0, ("tg:2", "c"), extra=noting("stale")),
        ChatWrite(clock.now(), '{"seq": 2}', ids[3], 1, ("tg:2", "d")),  # none of its own
    ]
    outcomes = await asyncio.gather(*(journal.write(w) for w in writes))
    assert [o.written for o in outcomes] == [
        Written.DONE,
        Written.CONFLICT,
        Written.CONFLICT,
        Written.DONE,
    ]
    assert (outcomes[0].extra, outcomes[0].version) == (told, 2)
    assert outcomes[3].extra is None
    async with engine.connect() as conn:
        states: dict[int, object] = dict(
            (await conn.execute(select(Conversation.id, Conversation.state))).all()
        )
        claims = (
            await conn.execute(select(ProcessedEvent.source, ProcessedEvent.external_id))
        ).all()
    assert [states[i] for i in ids] == [{"seq": 2}, {"seq": 1}, {"seq": 1}, {"seq": 2}]
    assert {c for c in claims if c[0] != "tg:1"} == {
        ("tg:2", "a"),
        ("extra", "kept"),
        ("tg:2", "d"),
    }
