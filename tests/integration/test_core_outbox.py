"""Core services against real SQLite and PostgreSQL: the outbox worker (sending once,
retries and backoff, holds, leases, concurrent workers)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.db.tables import OutboxMessage
from core.notifications.direct_replies import KEEP_SENT, prune_sent
from core.notifications.outbox import (
    HOLD_RECHECK,
    LANES,
    LEASE,
    MAX_ATTEMPTS,
    DeliveryOutcome,
    DeliveryResult,
    Envelope,
    MessageSender,
    backoff,
    deliver_due,
    enqueue,
    release_held,
)
from core.uow import UnitOfWorkFactory
from tests.support.factories import make_user
from tests.support.statements import statements_on

# --- Outbox worker ---------------------------------------------------------------------


@dataclass
class ScriptedSender(MessageSender):
    """A fake channel: answers each message with the next scripted result for its kind."""

    script: dict[str, list[DeliveryResult | BaseException]]
    seen: list[Envelope] = field(default_factory=list)

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        self.seen.append(envelope)
        results = self.script[envelope.kind]
        result = results.pop(0) if len(results) > 1 else results[0]
        if isinstance(result, BaseException):
            raise result
        return result


SENT = DeliveryResult(DeliveryOutcome.SENT, external_id="ext-1")
RETRY = DeliveryResult(DeliveryOutcome.RETRY, error="timeout")


async def _enqueue(uows: UnitOfWorkFactory, now: datetime, kinds: Iterable[str]) -> list[int]:
    user = await make_user(uows, now)
    async with uows() as uow:
        rows = [
            enqueue(uow.session, kind=k, user_id=user, payload={"k": k}, now=now) for k in kinds
        ]
        await uow.commit()
        return [r.id for r in rows]


async def _outbox(uows: UnitOfWorkFactory, message_id: int) -> dict[str, Any]:
    async with uows() as uow:
        row = await uow.session.get(OutboxMessage, message_id)
        assert row is not None
        return {
            "status": row.status,
            "attempts": row.attempts,
            "next": row.next_attempt_at,
            "sent_at": row.sent_at,
            "external_id": row.external_id,
            "error": row.last_error,
            "user_id": row.user_id,
        }


async def test_outbox_sends_once(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    ids = await _enqueue(uows, now, ["a", "b", "c"])
    sender = ScriptedSender({"a": [SENT], "b": [SENT], "c": [SENT]})
    assert await deliver_due(uows, sender, now=now, limit=2) == 2
    assert [e.id for e in sender.seen] == ids[:2]  # oldest first, at most ``limit``
    assert sender.seen[0].payload == {"k": "a"}
    assert await deliver_due(uows, sender, now=now) == 1
    assert await deliver_due(uows, sender, now=now + timedelta(days=1)) == 0
    assert [e.id for e in sender.seen] == ids
    first = await _outbox(uows, ids[0])
    assert (first["status"], first["attempts"], first["sent_at"], first["external_id"]) == (
        "sent",
        1,
        now,
        "ext-1",
    )


async def test_outbox_retries_with_backoff(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    sender = ScriptedSender({"a": [RETRY, RETRY, SENT]})
    assert await deliver_due(uows, sender, now=now) == 0
    row = await _outbox(uows, mid)
    assert (row["status"], row["attempts"], row["error"]) == ("pending", 1, "timeout")
    assert row["next"] == now + backoff(1) == now + timedelta(seconds=2)
    # Not due yet: nothing is sent.
    assert await deliver_due(uows, sender, now=now + timedelta(seconds=1)) == 0
    assert len(sender.seen) == 1
    t2 = now + timedelta(seconds=2)
    assert await deliver_due(uows, sender, now=t2) == 0
    row = await _outbox(uows, mid)
    assert row["next"] == t2 + timedelta(seconds=4)
    t3 = t2 + timedelta(seconds=4)
    assert await deliver_due(uows, sender, now=t3) == 1
    row = await _outbox(uows, mid)
    assert (row["status"], row["attempts"], row["sent_at"], row["error"]) == ("sent", 3, t3, None)
    assert backoff(20) == timedelta(seconds=600)  # capped


async def test_outbox_honours_retry_after(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    limited = DeliveryResult(DeliveryOutcome.RETRY, error="429", retry_after=17.5)
    sender = ScriptedSender({"a": [limited, SENT]})
    await deliver_due(uows, sender, now=now)
    assert (await _outbox(uows, mid))["next"] == now + timedelta(seconds=17.5)
    assert await deliver_due(uows, sender, now=now + timedelta(seconds=17)) == 0
    assert await deliver_due(uows, sender, now=now + timedelta(seconds=17.5)) == 1


async def test_outbox_hold_until_released(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    sender = ScriptedSender({"a": [DeliveryResult(DeliveryOutcome.HOLD, error="24h"), SENT]})
    assert await deliver_due(uows, sender, now=now) == 0
    assert (await _outbox(uows, mid))["status"] == "held"
    assert await deliver_due(uows, sender, now=now) == 0  # not tried again at once
    assert len(sender.seen) == 1
    later = now + timedelta(seconds=30)
    async with uows() as uow:
        await release_held(uow.session, (await _outbox(uows, mid))["user_id"], now=later)
        await uow.commit()
    row = await _outbox(uows, mid)
    assert (row["status"], row["next"]) == ("pending", later)
    assert await deliver_due(uows, sender, now=later) == 1


async def test_a_release_during_an_attempt_makes_its_hold_due_at_once(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The person writes while their news is being attempted (the attempt found no chat
    yet): the release finds the row under way, not held, and marks it; the hold the
    attempt then records is a pending message, due now, and the next round sends it. Was
    held for ten minutes (then fifteen seconds at a first attempt only)."""
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    user = (await _outbox(uows, mid))["user_id"]

    class WritesMeanwhile(MessageSender):
        """Their message comes during the first attempt; the next one reaches them."""

        def __init__(self) -> None:
            self.seen: list[int] = []

        async def deliver(self, envelope: Envelope) -> DeliveryResult:
            self.seen.append(envelope.attempts)
            if len(self.seen) > 1:
                return SENT
            async with uows() as uow:  # their message, at this very moment
                await release_held(uow.session, user, now=now)
                await uow.commit()
            return DeliveryResult(DeliveryOutcome.HOLD, error="no reachable identity")

    hold = DeliveryResult(DeliveryOutcome.HOLD, error="24h")
    # Held once as usual, then a release races with the second attempt.
    assert await deliver_due(uows, ScriptedSender({"a": [hold]}), now=now) == 0
    assert (await _outbox(uows, mid))["status"] == "held"
    async with uows() as uow:
        await release_held(uow.session, user, now=now)
        await uow.commit()
    meanwhile = WritesMeanwhile()
    # Due again at once: the same round takes it once more and it goes.
    assert await deliver_due(uows, meanwhile, now=now) == 1
    assert meanwhile.seen == [2, 3]
    assert (await _outbox(uows, mid))["status"] == "sent"
    # The mark is the attempt's only: a later hold, nobody writing, waits the full time.
    [other] = await _enqueue(uows, now, ["b"])
    async with uows() as uow:  # released while it was only pending: nothing to mark
        await release_held(uow.session, user, now=now)
        await uow.commit()
    await deliver_due(uows, ScriptedSender({"b": [hold]}), now=now)
    row = await _outbox(uows, other)
    assert (row["status"], row["next"]) == ("held", now + HOLD_RECHECK)


async def test_outbox_gives_up(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    dead_now, dead_later = await _enqueue(uows, now, ["bad", "flaky"])
    sender = ScriptedSender(
        {"bad": [DeliveryResult(DeliveryOutcome.GIVE_UP, error="blocked")], "flaky": [RETRY]}
    )
    t = now
    for _ in range(MAX_ATTEMPTS + 3):
        await deliver_due(uows, sender, now=t)
        t += timedelta(seconds=700)  # beyond any backoff
    bad, flaky = await _outbox(uows, dead_now), await _outbox(uows, dead_later)
    assert (bad["status"], bad["attempts"], bad["error"]) == ("dead", 1, "blocked")
    assert (flaky["status"], flaky["attempts"]) == ("dead", MAX_ATTEMPTS)
    assert [e.kind for e in sender.seen].count("flaky") == MAX_ATTEMPTS


class ProcessDied(BaseException):
    """Stands for the worker process dying mid-send (nothing in the loop can catch it)."""


async def test_outbox_crash_mid_send_retries_after_the_lease(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    sender = ScriptedSender({"a": [ProcessDied("killed"), SENT]})
    with pytest.raises(ProcessDied):
        await deliver_due(uows, sender, now=now)
    row = await _outbox(uows, mid)
    # The attempt was counted when it began: the row shows one under way, lease and all.
    assert (row["status"], row["attempts"], row["next"]) == ("sending", 1, now + LEASE)
    assert await deliver_due(uows, sender, now=now + LEASE - timedelta(seconds=1)) == 0
    assert await deliver_due(uows, sender, now=now + LEASE) == 1
    assert len(sender.seen) == 2  # at least once
    # The second attempt knows the first may have reached the person.
    assert [e.repeat for e in sender.seen] == [False, True]
    row = await _outbox(uows, mid)
    assert (row["status"], row["attempts"]) == ("sent", 2)


async def test_outbox_sender_error_is_retried_with_backoff(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    [first, second] = await _enqueue(uows, now, ["a", "b"])
    sender = ScriptedSender({"a": [ConnectionResetError("network down"), SENT], "b": [SENT]})
    assert await deliver_due(uows, sender, now=now) == 1  # "b" is not held up by "a"
    row = await _outbox(uows, first)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["next"] == now + backoff(1)
    assert (await _outbox(uows, second))["status"] == "sent"


async def test_two_workers_never_send_a_message_twice(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    ids = await _enqueue(uows, now, [f"m{i}" for i in range(12)])

    class SlowSender(MessageSender):
        def __init__(self) -> None:
            self.seen: list[int] = []

        async def deliver(self, envelope: Envelope) -> DeliveryResult:
            self.seen.append(envelope.id)
            await asyncio.sleep(0.01)  # the network: the other worker runs meanwhile
            return SENT

    a, b = SlowSender(), SlowSender()
    sent = await asyncio.gather(
        deliver_due(uows, a, now=now, limit=5),
        deliver_due(uows, b, now=now, limit=5),
        deliver_due(uows, a, now=now, limit=5),
        deliver_due(uows, b, now=now, limit=5),
    )
    assert sum(sent) == len(ids)
    assert sorted(a.seen + b.seen) == ids


@dataclass
class SlowSender(MessageSender):
    """A channel that takes its time (a rate-limited chat)."""

    seconds: float
    seen: list[int] = field(default_factory=list)

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        self.seen.append(envelope.id)
        await asyncio.sleep(self.seconds)
        return SENT


async def test_a_long_round_leaves_the_rest_to_others_and_keeps_its_claims_short(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    ids = await _enqueue(uows, now, ["a", "b", "c", "d"])
    slow, lease = SlowSender(0.5), timedelta(seconds=1.2)
    # A round claims for a third of the lease (0.4 s): one message each time it starts,
    # then the round stops. Nothing else was leased: another worker may send the rest.
    assert await deliver_due(uows, slow, now=now, lease=lease) == 1
    rest = [await _outbox(uows, i) for i in ids[1:]]
    assert [(r["status"], r["attempts"]) for r in rest] == [("pending", 0)] * 3
    assert await deliver_due(uows, SlowSender(0), now=now, lease=lease) == 3
    assert slow.seen == ids[:1]


async def test_a_send_that_outlasts_half_its_lease_is_given_up_and_retried(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """No worker may find a message still being sent when its lease ends."""
    now = clock.now()
    [mid] = await _enqueue(uows, now, ["a"])
    lease = timedelta(seconds=0.4)
    assert await deliver_due(uows, SlowSender(5), now=now, lease=lease) == 0
    row = await _outbox(uows, mid)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["error"] == f"no answer within {lease / 2}"


async def _backlog(uows: UnitOfWorkFactory, now: datetime, to: list[int]) -> list[int]:
    """One message per item of ``to`` (a recipient), queued in that order."""
    async with uows() as uow:
        rows = [
            enqueue(uow.session, kind="news", user_id=u, payload={"n": n}, now=now)
            for n, u in enumerate(to)
        ]
        await uow.commit()
        return [r.id for r in rows]


@dataclass
class WatchedSender(MessageSender):
    """A channel that takes its time per recipient, and notes who was being sent to."""

    seconds: dict[int, float]
    seen: list[Envelope] = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    under_way: list[int] = field(default_factory=list)
    most_at_once: int = 0

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        assert envelope.user_id not in self.under_way, "two attempts to one recipient at once"
        self.seen.append(envelope)
        self.under_way.append(envelope.user_id)
        self.most_at_once = max(self.most_at_once, len(self.under_way))
        try:
            await asyncio.sleep(self.seconds.get(envelope.user_id, 0.05))
        finally:
            self.under_way.remove(envelope.user_id)
        self.done.append(envelope.id)
        return SENT


async def test_a_round_sends_to_several_recipients_at_once_each_in_order(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Waiting for each round trip in turn capped delivery at one message per round trip;
    several go at once now, never two to one person, whose messages keep their order."""
    now = clock.now()
    people = [await make_user(uows, now) for _ in range(6)]
    busy = people[0]  # three messages in a row, then more later
    to = [busy, busy, busy, *people[1:], busy, *people[1:]]
    ids = await _backlog(uows, now, to)
    sender = WatchedSender({})
    assert await deliver_due(uows, sender, now=now, limit=len(ids)) == len(ids)
    assert sorted(sender.done) == ids  # each once
    assert 1 < sender.most_at_once <= LANES
    for person in people:
        theirs = [e.id for e in sender.seen if e.user_id == person]
        assert theirs == sorted(theirs) == [i for i, u in zip(ids, to, strict=True) if u == person]


async def test_a_slow_recipient_does_not_hold_the_others(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A chat that must wait (its second message within the channel's second) used to
    hold every message queued after it."""
    now = clock.now()
    people = [await make_user(uows, now) for _ in range(5)]
    slow = people[0]
    to = [slow, slow, *people[1:]]
    ids = await _backlog(uows, now, to)
    sender = WatchedSender({slow: 0.3})
    assert await deliver_due(uows, sender, now=now) == len(ids)
    assert sender.done[-1] == ids[1]  # the slow chat's second message went last
    assert set(sender.done[:-2]) == set(ids[2:])  # the others during its first


async def test_an_idle_round_is_one_query_not_one_per_lane(
    engine: AsyncEngine, uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The worker polls twice a second: each lane asking in turn would make 16 write
    transactions of every poll, queued with the chats' writes on SQLite."""
    with statements_on(engine) as sent:
        assert await deliver_due(uows, WatchedSender({}), now=clock.now()) == 0
    assert len([s for s in sent if "FROM outbox" in s]) == 1


async def test_one_persons_messages_all_go_in_one_round_in_order(
    engine: AsyncEngine, uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """News released when they write, then the answer: both in the round the answer's
    webhook started, news first. The lanes with nobody else to send to end at once."""
    now = clock.now()
    person = await make_user(uows, now)
    ids = await _backlog(uows, now, [person, person, person])
    sender = WatchedSender({})
    with statements_on(engine) as sent:
        assert await deliver_due(uows, sender, now=now) == 3
    assert [e.id for e in sender.seen] == ids
    # Three claims, another lane's that found nobody else, and the one that found
    # nothing more for this person: the other fourteen lanes did not ask.
    assert len([s for s in sent if "FROM outbox" in s]) == 5


async def test_each_message_costs_one_write_transaction_and_the_worker_hears_none(
    engine: AsyncEngine, uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A message's outcome is recorded with the lane's next claim, in one transaction (a
    claim and a record each had their own), outside the units of work: the worker's own
    writes no longer rang its bell, which started an empty round after every round."""
    now = clock.now()
    person = await make_user(uows, now)
    await _backlog(uows, now, [person, person, person])
    begun: list[object] = []
    heard: list[frozenset[str]] = []

    def began(conn: object) -> None:
        begun.append(conn)

    event.listen(engine.sync_engine, "begin", began)
    uows.after_commit.append(lambda committed: heard.append(committed.tables))
    try:
        assert await deliver_due(uows, WatchedSender({}), now=now) == 3
    finally:
        event.remove(engine.sync_engine, "begin", began)
        uows.after_commit.pop()
    # The first claim, another lane's that found nobody else, then one per message: its
    # record with the claim of the next (the last one's found nothing more).
    assert len(begun) == 5
    assert heard == []


async def test_kept_replies_sent_long_ago_are_pruned_and_nothing_else(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    user = await make_user(uows, now)
    long_ago = now - KEEP_SENT - timedelta(minutes=1)
    rows = [
        ("direct_reply", "sent", long_ago),  # the only one to go
        ("direct_reply", "sent", now - timedelta(hours=1)),
        ("direct_reply", "pending", long_ago),
        ("booking_accepted", "sent", long_ago),  # news is the record of what was said
    ]
    async with uows() as uow:
        made = []
        for kind, status, at in rows:
            row = enqueue(uow.session, kind=kind, user_id=user, payload={}, now=at)
            row.status = status
            made.append(row)
        await uow.commit()
        ids = [row.id for row in made]
    async with uows() as uow:
        assert await prune_sent(uow.session, now=now) == 1
        await uow.commit()
    async with uows() as uow:
        left = (
            await uow.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id))
        ).all()
    assert left == ids[1:]


async def test_a_claim_reads_the_head_of_the_waiting_index_not_every_waiting_message(
    engine: AsyncEngine, uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The claim ordered by id read and sorted every due message, each time (0.5 ms with
    600 waiting, a fifth of the provider benchmark's statements' time); ordered as
    ix_outbox_waiting is and stating its condition, SQLite starts at the index's head. Its
    planner had taken ix_outbox_due and sorted, and "= 1" after the condition (a Boolean
    on SQLite) made it scan the table."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner, without statistics; PostgreSQL plans from its own")
    now = clock.now()
    people = [await make_user(uows, now) for _ in range(3)]
    await _backlog(uows, now, [people[0], people[1], people[1], people[2]])
    claims: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.startswith("SELECT") and "FROM outbox" in statement:
            claims.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        assert await deliver_due(uows, WatchedSender({}), now=now) == 4
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
    assert any("NOT IN" in s for s, _ in claims)  # skipping whom a lane is sending to
    async with engine.connect() as conn:
        for statement, parameters in claims:
            plan = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            steps = [row[-1] for row in plan]
            assert not any(step.startswith("SCAN") for step in steps), steps
            if "user_id = " in statement:  # one person's next: their few, by their index
                continue
            assert any("ix_outbox_waiting" in step for step in steps), steps
            assert not any("TEMP B-TREE" in step for step in steps), steps


async def test_the_claim_is_compiled_once_not_for_every_message(
    engine: AsyncEngine, uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The worker claims after every attempt: a claim SQLAlchemy can't cache (a clause of
    ours without a cache key) was compiled again each time, 2,242 times in one provider
    benchmark run."""
    now = clock.now()
    people = [await make_user(uows, now) for _ in range(6)]
    await _backlog(uows, now, [*people, *people])
    compiled: dict[str, list[object]] = {}  # held: a freed object's id could come again

    def note(_conn: Any, _cursor: Any, statement: str, _p: Any, context: Any, _m: Any) -> None:
        if statement.startswith("SELECT") and "FROM outbox" in statement and context:
            compiled.setdefault(statement, []).append(context.compiled)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        assert await deliver_due(uows, WatchedSender({}), now=now) == 12
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
    assert compiled and all(len(set(map(id, c))) == 1 for c in compiled.values()), compiled
