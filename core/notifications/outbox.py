"""The transactional outbox: enqueue with the change, deliver later with retries.

Delivery is at least once. An attempt is claimed on its row (status ``sending``, the
attempt counted, a lease), made, and its outcome recorded at once; a process that dies
in between leaves the row ``sending`` past its lease, and the next attempt knows that
the one before may have reached the person (``Envelope.repeat``). The statuses and their
moves: outbox.mmd.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache, partial
from typing import Any, Protocol

from sqlalchemy import Connection, Select, Table, bindparam, case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.db.tables import OutboxMessage
from core.db.tables_ops import Waiting
from core.redaction import redact
from core.tracing import current_trace
from core.uow import UnitOfWorkFactory

MAX_ATTEMPTS = 8
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
log = logging.getLogger(__name__)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    # An attempt is under way until next_attempt_at; found past it, the attempt was cut
    # short (the process died) and nobody knows whether it reached the person.
    SENDING = "sending"
    SENT = "sent"
    HELD = "held"  # waiting for the recipient (e.g. outside WhatsApp's 24-hour window)
    DEAD = "dead"  # gave up: a flag says why


@dataclass(frozen=True, slots=True)
class Envelope:
    id: int
    kind: str
    user_id: int
    channel: str | None
    payload: dict[str, Any]
    attempts: int  # this one included
    repeat: bool = False  # the attempt before was cut short: it may have arrived
    trace_id: str | None = None  # what queued it (core/tracing.py), for the send's log line


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    HOLD = "hold"
    GIVE_UP = "give_up"
    # Its channel is not set up in this deployment (no email server, payments off): never
    # sent, like a given-up message, but no failure to alert on (a demo has no email).
    SWITCHED_OFF = "switched_off"


GIVEN_UP = frozenset({DeliveryOutcome.GIVE_UP, DeliveryOutcome.SWITCHED_OFF})


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    outcome: DeliveryOutcome
    external_id: str | None = None
    error: str | None = None
    retry_after: float | None = None


class MessageSender(Protocol):
    """Port: delivers one outbox message on whatever channel reaches its recipient."""

    async def deliver(self, envelope: Envelope) -> DeliveryResult: ...


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to queue, for `enqueue_many`: the arguments `enqueue` takes."""

    kind: str
    user_id: int
    payload: dict[str, Any]
    now: datetime
    channel: str | None = None
    dedupe_key: str | None = None


_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
_NEW_ROW = insert(_OUTBOX).returning(_OUTBOX.c.id)  # built once (enqueue_now)


def queued_row(
    *,
    kind: str,
    user_id: int,
    payload: dict[str, Any],
    now: datetime,
    channel: str | None = None,
    dedupe_key: str | None = None,
    sending_until: datetime | None = None,
) -> dict[str, Any]:
    """The one definition of a queued row's columns: `enqueue`, `enqueue_now` and
    `enqueue_many` all write exactly this (tests/integration/test_outbox_batch.py holds
    them together)."""
    return {
        "kind": kind,
        "user_id": user_id,
        "channel": channel,
        "payload": payload,
        "status": (OutboxStatus.PENDING if sending_until is None else OutboxStatus.SENDING).value,
        "attempts": 0 if sending_until is None else 1,
        "next_attempt_at": now if sending_until is None else sending_until,
        "dedupe_key": dedupe_key,
        "created_at": now,
        "trace_id": current_trace(),
    }


def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    user_id: int,
    payload: dict[str, Any],
    now: datetime,
    channel: str | None = None,
    dedupe_key: str | None = None,
    sending_until: datetime | None = None,
) -> OutboxMessage:
    """Queue a message; with ``sending_until`` the caller makes its first attempt itself
    and holds it until then (see `claim`), after which the worker takes it over."""
    message = OutboxMessage(
        **queued_row(
            kind=kind,
            user_id=user_id,
            payload=payload,
            now=now,
            channel=channel,
            dedupe_key=dedupe_key,
            sending_until=sending_until,
        )
    )
    session.add(message)
    return message


async def enqueue_now(session: AsyncSession, row: dict[str, Any]) -> int:
    """As `enqueue`, written at once by a plain INSERT, for a row the transaction does not
    read back (``row``: `queued_row`'s): its id, without the ORM's object and flush (a
    dialog step's kept reply, one per update on the transaction path)."""
    outbox_id: int = (await session.execute(_NEW_ROW, row)).scalar_one()
    return outbox_id


def insert_notices(conn: Connection, notices: Sequence[Notice]) -> None:
    """`enqueue_many` on a plain connection, for writes made in one go (a booking request:
    core/booking/request_write.py)."""
    if notices:
        conn.execute(insert(_OUTBOX), [_notice_row(n) for n in notices])


def _notice_row(n: Notice) -> dict[str, Any]:
    return queued_row(
        kind=n.kind,
        user_id=n.user_id,
        payload=n.payload,
        now=n.now,
        channel=n.channel,
        dedupe_key=n.dedupe_key,
    )


async def enqueue_many(session: AsyncSession, notices: Sequence[Notice]) -> None:
    """Queue ``notices`` in the session's transaction with one INSERT executemany, in
    order (their ids follow it). Through the session each row would be an object and, on
    SQLite, an INSERT of its own (the ids of a multi-row insert come back unordered); the
    expiry sweep queues two per booking, 200,000 after a long outage."""
    if notices:
        await session.execute(insert(OutboxMessage), [_notice_row(n) for n in notices])


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 600))


# How long one attempt may take before another worker may make the next: sends give up
# after half of it, and a round claims no more after a third, so a claim always outlives
# its send. A crash mid-send is repeated after this long: keep it short.
LEASE = timedelta(seconds=30)
HOLD_RECHECK = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Leases:
    """The holds on a message being sent, from one setting (``send_lease_seconds``): the
    worker's claim (`LEASE`), and a webhook's own first attempt at its reply, held half
    as long and given up after a third (direct_replies.py), so that it ends before its
    hold does and the worker never sends the same reply meanwhile."""

    claim: timedelta = LEASE

    @classmethod
    def of(cls, seconds: float) -> Leases:
        return cls(timedelta(seconds=seconds))

    @property
    def reply(self) -> timedelta:
        return self.claim / 2

    @property
    def reply_send_limit(self) -> timedelta:
        return self.claim / 3


DEFAULT_LEASES = Leases()


# Attempts a round makes at once, each to another recipient. One at a time, a round waited
# for every round trip to Telegram or Twilio in turn (about 10 messages/s at 100 ms), and a
# second message to one chat held every other chat for the second the channel asks between
# two (bench/README.md, "Outbox delivery"). The channels' own limits still hold: the
# senders keep to them (bots/rate_limit.py).
LANES = 16


async def deliver_due(
    uows: UnitOfWorkFactory,
    sender: MessageSender,
    *,
    now: datetime,
    limit: int = 50,
    lease: timedelta = LEASE,
    lanes: int = LANES,
) -> int:
    """Send what is due; returns how many were sent.

    Each message is claimed just before its attempt and its outcome recorded just after,
    with the lane's next message claimed in the same short transaction (a slow network
    never holds the database), so a crash repeats at most the messages in flight, once
    their lease ends. Up to ``lanes`` attempts are under way at once, never two to one
    recipient: a person's messages leave in the order they were queued.
    """
    round_ = _Round(uows, sender, now, lease, limit)
    # Every lane runs to its end, so that no attempt under way is cut short by another
    # lane's failure (it would be repeated, "sent again", after its lease); then the
    # first failure is the round's.
    ended = await asyncio.gather(*(round_.lane() for _ in range(lanes)), return_exceptions=True)
    for outcome in ended:
        if isinstance(outcome, BaseException):
            raise outcome
    return round_.sent


class _Round:
    """One round of ``deliver_due``: its lanes share the claims left and who is being
    sent to."""

    def __init__(
        self,
        uows: UnitOfWorkFactory,
        sender: MessageSender,
        now: datetime,
        lease: timedelta,
        limit: int,
    ) -> None:
        self.uows, self.sender, self.now, self.lease = uows, sender, now, lease
        self.claims_left = limit
        self.claiming_until = time.monotonic() + lease.total_seconds() / 3
        self.recipients: set[int] = set()  # whose attempt is under way
        # One claim at a time: each claim skips the recipients of the others.
        self.claiming = asyncio.Lock()
        # Once a claim found nothing for anyone not under way, lanes stop looking for
        # others (an idle worker's round is one query, not one per lane); a lane whose
        # attempt ends still takes that person's next message, so one person's messages
        # go in one round. What came meanwhile is the next round's, which starts at once.
        self.dry = False
        self.sent = 0

    async def lane(self) -> None:
        envelope = await self._claim()
        while envelope is not None:
            attempted = envelope
            try:
                result = await _attempt(self.sender, attempted, self.lease / 2)
                self.sent += result.outcome is DeliveryOutcome.SENT
                envelope = await self._record_and_follow(attempted, result)
            except BaseException:
                self.recipients.discard(attempted.user_id)  # its attempt is over
                raise

    async def _claim(self) -> Envelope | None:
        """A lane's first message."""
        async with self.claiming:
            if self.dry or not self._may_claim():
                return None
            async with self.uows.engine.begin() as conn:
                envelope = await _claim_on(
                    conn, now=self.now, lease=self.lease, skipping=self.recipients
                )
            self.dry = envelope is None
            return self._taken(envelope)

    async def _record_and_follow(
        self, envelope: Envelope, result: DeliveryResult
    ) -> Envelope | None:
        """Record the attempt's outcome and, in the same transaction, claim the lane's next
        message: one write per message, where a claim and a record each made one."""
        async with self.claiming:
            self.recipients.discard(envelope.user_id)
            async with self.uows.engine.begin() as conn:
                await _record_on(conn, envelope, result, self.now)
                following = (
                    await self._follow(conn, envelope.user_id) if self._may_claim() else None
                )
            return self._taken(following)

    async def _follow(self, conn: AsyncConnection, user_id: int) -> Envelope | None:
        """The message due the longest of anyone not being sent to; once there is none, only
        the next one of the person this lane has just sent to."""
        claim = partial(_claim_on, conn, now=self.now, lease=self.lease)
        if self.dry:
            return await claim(only=user_id)
        following = await claim(skipping=self.recipients)
        self.dry = following is None
        return following

    def _may_claim(self) -> bool:
        # Past them, what is left is due for the next round, or another worker.
        return self.claims_left > 0 and time.monotonic() <= self.claiming_until

    def _taken(self, envelope: Envelope | None) -> Envelope | None:
        if envelope is not None:
            self.claims_left -= 1
            self.recipients.add(envelope.user_id)
        return envelope


async def _record_on(
    conn: AsyncConnection, envelope: Envelope, result: DeliveryResult, now: datetime
) -> None:
    # One statement, and only while the claim is still ours (not taken over after its
    # lease, nor released): else another attempt owns the row's outcome.
    await conn.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.id == envelope.id,
            OUTBOX.c.status == OutboxStatus.SENDING.value,
            OUTBOX.c.attempts == envelope.attempts,
        )
        .values(_recorded(result, envelope.attempts, now))
    )


@cache
def _due(skipping: bool, only: bool) -> Select[Any]:
    """The message due the longest (then the oldest), by bound values (``now``, and
    ``skipping``, ``only`` as asked): built once per shape, for the worker asks for one
    after every attempt. Found at the head of the waiting messages' index, whatever their
    number: ordered by id instead, every due message was read and sorted for each claim.
    A person's messages are due in the order they were queued, but for a retry or a lease
    run out (then the others went first meanwhile, as before)."""
    due = select(OUTBOX).where(Waiting(), OUTBOX.c.next_attempt_at <= bindparam("now"))
    if skipping:
        due = due.where(OUTBOX.c.user_id.not_in(bindparam("skipping", expanding=True)))
    if only:
        due = due.where(OUTBOX.c.user_id == bindparam("only"))
    order = (OUTBOX.c.next_attempt_at, OUTBOX.c.id)
    return due.order_by(*order).limit(1).with_for_update(skip_locked=True)


# The claim's write, by bound values: the attempt counted, the lease set.
_CLAIM = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("claimed"))
    .values(
        status=OutboxStatus.SENDING.value,
        attempts=bindparam("attempts"),
        next_attempt_at=bindparam("until"),
        released=False,
    )
)


async def claim_next(
    uows: UnitOfWorkFactory,
    *,
    now: datetime,
    lease: timedelta,
    skipping: Collection[int] = (),
    only: int | None = None,
) -> Envelope | None:
    """Take the message due the longest for one attempt, counted now (a crash shows in
    `attempts`); workers side by side each take another (SKIP LOCKED). ``skipping``: the
    recipients whose messages wait (an attempt to them is under way); ``only``: the one
    recipient whose message to take."""
    async with uows.engine.begin() as conn:
        return await _claim_on(conn, now=now, lease=lease, skipping=skipping, only=only)


async def _claim_on(
    conn: AsyncConnection,
    *,
    now: datetime,
    lease: timedelta,
    skipping: Collection[int] = (),
    only: int | None = None,
) -> Envelope | None:
    # SQL on the connection, not the ORM's unit of work: the worker claims after every
    # attempt, and a session (its objects, flush and commit hooks) cost more than the
    # statements' own work (bench/README.md, "One write transaction per message"). Nobody
    # in this process needs to hear of a claim: a unit of work's commit rang the worker's
    # own bell (bots/worker.py), for an empty round after every round.
    values: dict[str, Any] = {"now": now}
    if skipping:
        values["skipping"] = list(skipping)
    if only is not None:
        values["only"] = only
    row = (await conn.execute(_due(bool(skipping), only is not None), values)).first()
    if row is None:
        return None
    attempts = row.attempts + 1
    await conn.execute(_CLAIM, {"claimed": row.id, "attempts": attempts, "until": now + lease})
    return Envelope(
        row.id,
        row.kind,
        row.user_id,
        row.channel,
        dict(row.payload),
        attempts,
        repeat=row.status == OutboxStatus.SENDING.value,
        trace_id=row.trace_id,
    )


async def record_own_attempt(
    uows: UnitOfWorkFactory, dedupe_key: str, result: DeliveryResult, *, now: datetime
) -> None:
    """The outcome of the first attempt, made by the caller that queued the row holding it
    (`enqueue`'s ``sending_until``): recorded only while the row still counts that attempt
    as its last, not once the worker took it over after the hold."""
    async with uows.engine.begin() as conn:
        await conn.execute(
            update(OUTBOX)
            .where(
                OUTBOX.c.dedupe_key == dedupe_key,
                OUTBOX.c.status == OutboxStatus.SENDING.value,
                OUTBOX.c.attempts == 1,
            )
            .values(_recorded(result, 1, now))
        )


async def _attempt(sender: MessageSender, envelope: Envelope, limit: timedelta) -> DeliveryResult:
    try:
        async with asyncio.timeout(limit.total_seconds()):
            return await sender.deliver(envelope)
    except TimeoutError:
        # It may have gone out all the same: the next attempt is a repeat, and says so.
        log.warning("delivering outbox message %s took over %s; retried", envelope.id, limit)
        return DeliveryResult(DeliveryOutcome.RETRY, error=f"no answer within {limit}")
    except Exception as exc:  # one broken message must not hold up the batch
        log.exception("delivering outbox message %s failed", envelope.id)
        return DeliveryResult(DeliveryOutcome.RETRY, error=repr(exc)[:500])


async def release_held(session: AsyncSession, user_id: int, *, now: datetime) -> None:
    """The recipient is reachable again: send what waited for them.

    A message being attempted at this moment is not held yet, but its attempt may have
    looked for the person before they wrote: it is marked, and should the attempt end in a
    hold, the message is due again at once (`_recorded`). Both in one statement, so that an
    attempt's outcome is recorded wholly before or wholly after it.
    """
    held = OutboxMessage.status == OutboxStatus.HELD.value
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.user_id == user_id,
            OutboxMessage.status.in_((OutboxStatus.HELD.value, OutboxStatus.SENDING.value)),
        )
        .values(
            status=case((held, OutboxStatus.PENDING.value), else_=OutboxMessage.status),
            next_attempt_at=case((held, now), else_=OutboxMessage.next_attempt_at),
            released=~held,
        )
        .execution_options(synchronize_session=False)
    )


def _recorded(result: DeliveryResult, attempts: int, now: datetime) -> dict[str, Any]:
    """The columns an attempt's outcome sets (``attempts``: this one included)."""
    # An upstream error may quote a URL with a token.
    values: dict[str, Any] = {"last_error": redact(result.error)}
    if result.outcome is DeliveryOutcome.SENT:
        values |= {"status": OutboxStatus.SENT.value, "sent_at": now}
        values["external_id"] = result.external_id
    elif result.outcome is DeliveryOutcome.HOLD:
        # Held, unless the person wrote while this attempt was under way (`release_held`
        # marked the row): then due again now. Read in the recording statement itself.
        released = OUTBOX.c.released.is_(True)
        values["status"] = case(
            (released, OutboxStatus.PENDING.value), else_=OutboxStatus.HELD.value
        )
        # Looked at again later even if nobody releases it: a release lost in a crash must
        # not leave the message held for good.
        values["next_attempt_at"] = case((released, now), else_=now + HOLD_RECHECK)
        values["released"] = False
    elif result.outcome in GIVEN_UP or attempts >= MAX_ATTEMPTS:
        values["status"] = OutboxStatus.DEAD.value
    else:
        values["status"] = OutboxStatus.PENDING.value
        wait = timedelta(seconds=result.retry_after) if result.retry_after else backoff(attempts)
        values["next_attempt_at"] = now + wait
    return values
