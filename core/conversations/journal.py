"""The chat journal: the bookkeeping of dialog steps that changed nothing but the chat,
written for many chats in one transaction (group commit).

A navigation step (a menu, a search page, a profile) writes three things: the inbound
event's id (so a redelivery changes nothing), the conversation's new state, and now and
then the identity's last contact. Done one transaction per update, the statements and
commits cost far more than the step. Here each step hands its write to the journal and
waits; one writer takes every write waiting and commits them together, so the caller
still answers only once its write is durable.

Each write stays all-or-nothing on its own:
- an event already claimed makes the write a `DUPLICATE` and nothing of it is kept;
- a conversation that moved past the version the step started from (another process
  wrote it) makes it a `CONFLICT`: its claim is taken back and the caller runs the
  update again the slow way, in a transaction of its own;
- a first contact (no identity yet) creates the user, the identity and the conversation;
  if the identity or the conversation exists already, what it made is removed again and
  that is a `CONFLICT` too;
- the step's reply, when the caller keeps it, is written to the outbox with the rest
  (core/notifications/direct_replies.py), so that a crash after the commit can't lose it;
- a write may bring one more of its own (`ChatWrite.extra`, declared by its step: a
  booking request, a provider's Accept or Mark as delivered), made in the batch's
  transaction with its chat's state, in a savepoint: if it refuses (a DomainError: the
  seat was taken, or the booking moved on, meanwhile), nothing of that write is kept and
  it is a `CONFLICT`, which the caller runs again in a transaction that says why. A batch
  with one runs statement by statement on its connection (`write_with_connection`) rather
  than in one trip, since such a write reads and checks between its statements.

Once the caller has sent that reply it says so (`mark_sent`) without waiting: the marks
ride on the next batch's transaction, or, when none comes within `MARKS_WAIT` (a reply of
the transaction path, whose step committed on its own), go together in one of their own.
A mark lost in a crash only means the reply may be sent once more (the outbox promises at
least once).
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Dialect, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from core.conversations.journal_sql import Sql
from core.db.engine import execute_on, write_in_one_go, write_with_connection
from core.db.sqlite_driver import Execute
from core.db.tables import ChannelIdentity, ProcessedEvent, User
from core.errors import DomainError
from core.inbound import CLAIM_KEY, claim_row
from core.notifications.direct_replies import KIND as REPLY_KIND
from core.notifications.direct_replies import Attempt
from core.notifications.outbox import OutboxStatus
from core.people.users import first_contact_values
from core.uow import Committed

# A write of its own that a chat's write brings (`ChatWrite.extra`): statements on the
# batch's connection, synchronous; what it wrote, for caches; a DomainError to refuse.
ExtraWrite = Callable[[Connection], Committed]

MAX_BATCH = 200
# How long a sent reply's mark waits for a batch of writes to ride on (a transaction of its
# own otherwise, with the marks made meanwhile): a transaction path's reply has none (its
# step committed on its own). Well within the reply's lease (DIRECT_LEASE), after which an
# unmarked reply is the worker's to send again; `flush` (and so closing) writes them now.
MARKS_WAIT = 0.25  # seconds
log = logging.getLogger(__name__)

EVENTS: Table = ProcessedEvent.__table__  # type: ignore[assignment]
IDENTITIES: Table = ChannelIdentity.__table__  # type: ignore[assignment]
USERS: Table = User.__table__  # type: ignore[assignment]


class Written(enum.Enum):
    DONE = "done"
    DUPLICATE = "duplicate"  # the event was handled before: nothing was written
    CONFLICT = "conflict"  # someone else wrote first: nothing was written, run it again


@dataclass(frozen=True, slots=True)
class NewChat:
    """A first contact: the user and identity the journal creates with the conversation."""

    channel: str
    chat_key: str
    external_id: str
    display_name: str
    locale: str
    source: str | None = None  # the deep link's, when the first step set it (users.source)


@dataclass(frozen=True, slots=True)
class KeptReply:
    """The step's reply as an outbox row (kind ``direct_reply``), written with the step."""

    channel: str
    payload: dict[str, Any]
    key: str  # its dedupe key: one reply per event
    user_id: int | None = None  # None with new_chat: the user the journal creates
    sending_until: datetime | None = None  # the caller's own attempt; None: the worker's


@dataclass(frozen=True, slots=True)
class ChatWrite:
    now: datetime
    state_json: str  # the conversation's state, as the step serialised it
    conversation_id: int | None = None  # None with new_chat
    expected_version: int = 0
    event: tuple[str, str] | None = None  # (source, external id) to claim
    identity_id: int | None = None  # who wrote: reachable again, whatever was noted
    touch: bool = False  # and note their last contact as now
    new_chat: NewChat | None = None
    reply: KeptReply | None = None
    extra: ExtraWrite | None = None  # never with new_chat


@dataclass(frozen=True, slots=True)
class Outcome:
    written: Written
    conversation_id: int | None = None
    version: int = 0
    identity_id: int | None = None
    user_id: int | None = None
    reply: Attempt | None = None  # the kept reply's row, held by the caller if it sends
    extra: Committed | None = None  # what the write's extra wrote, once committed


class ChatJournal:
    def __init__(
        self, engine: AsyncEngine, *, max_batch: int = MAX_BATCH, marks_wait: float = MARKS_WAIT
    ) -> None:
        self.engine, self.max_batch, self.marks_wait = engine, max_batch, marks_wait
        self._waiting: list[tuple[ChatWrite, asyncio.Future[Outcome]]] = []
        self._sent: list[tuple[Attempt, datetime]] = []
        self._writer: asyncio.Task[None] | None = None
        # Marks with no write to ride on wait for one up to `marks_wait`, then go alone.
        self._marks_timer: asyncio.TimerHandle | None = None
        self._marks_due = False
        self.batches = 0  # for tests and metrics: how many transactions were used

    async def write(self, item: ChatWrite) -> Outcome:
        """Durable once this returns; raises if the batch's transaction failed."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._wake()
        return await asyncio.shield(future)

    def mark_sent(self, attempt: Attempt, now: datetime) -> None:
        """The caller delivered its kept reply: recorded with the next batch, not awaited
        (within `marks_wait`: alone, with the other marks, if no write comes meanwhile)."""
        self._sent.append((attempt, now))
        if not self._writing():  # else the running writer takes it with its next batch
            self._later()

    async def flush(self) -> None:
        """Wait until everything handed to the journal so far is written (or failed)."""
        if self._sent:
            self._marks_due = True
            self._wake()
        while self._writing():
            assert self._writer is not None
            await asyncio.shield(self._writer)

    def _writing(self) -> bool:
        return self._writer is not None and not self._writer.done()

    def _wake(self) -> None:
        if not self._writing():
            self._writer = asyncio.create_task(self._drain())

    def _later(self) -> None:
        if self._marks_timer is None:
            loop = asyncio.get_running_loop()
            self._marks_timer = loop.call_later(self.marks_wait, self._marks_waited)

    def _marks_waited(self) -> None:
        self._marks_timer = None
        self._marks_due = True
        self._wake()

    async def _drain(self) -> None:
        while self._waiting or (self._sent and self._marks_due):
            batch = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
            sent, self._sent, self._marks_due = self._sent, [], False
            if sent and self._marks_timer is not None:  # they ride on this batch
                self._marks_timer.cancel()
                self._marks_timer = None
            await self._write(batch, split=True, sent=sent)
        if self._sent:  # marked while the last batch was written: they wait for the next
            self._later()

    async def _write(
        self,
        batch: list[tuple[ChatWrite, asyncio.Future[Outcome]]],
        *,
        split: bool,
        sent: Sequence[tuple[Attempt, datetime]] = (),
    ) -> None:
        try:
            outcomes = await self._commit([item for item, _ in batch], sent)
        except Exception as exc:
            if sent:  # the marks alone, then the writes without them
                await self._mark_alone(sent)
                if batch:
                    await self._write(batch, split=split)
                return
            if split and len(batch) > 1:
                # One write the database refuses must not fail the others: each alone.
                for one in batch:
                    await self._write([one], split=False)
                return
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)

    async def _mark_alone(self, sent: Sequence[tuple[Attempt, datetime]]) -> None:
        try:
            await self._commit([], sent)
        except Exception:  # nobody waits for a mark: say so, and the worker sends again
            log.exception("%d sent replies not recorded; they may be sent again", len(sent))

    async def _commit(
        self, items: list[ChatWrite], sent: Sequence[tuple[Attempt, datetime]] = ()
    ) -> list[Outcome]:
        self.batches += 1
        dialect = self.engine.dialect

        def work(execute: Execute, conn: Connection | None = None) -> list[Outcome]:
            # On SQLite this runs in the database's thread, in one trip (write_in_one_go):
            # statements and plain computing only.
            if sent:
                _mark_sent(Sql(dialect, execute), sent)
            return _Batch(dialect, execute, items, conn).run() if items else []

        if any(item.extra for item in items):
            return await write_with_connection(
                self.engine, lambda conn: work(execute_on(conn), conn)
            )
        return await write_in_one_go(self.engine, work)


def _mark_sent(sql: Sql, sent: Sequence[tuple[Attempt, datetime]]) -> None:
    """Rows still held by the attempt that sent them become sent (one statement for all)."""
    status = sql.param(OutboxStatus.SENT.value)
    at = sql.time(max(now for _, now in sent))
    ids = sql.params([a.outbox_id for a, _ in sent])
    attempts = ", ".join(f"({sql.number(a.outbox_id)}, {sql.number(a.number)})" for a, _ in sent)
    sql.run(  # "id IN": by the primary key (row values alone scan the table)
        f"UPDATE outbox SET status = {status}, sent_at = {at}"
        f" WHERE id IN ({ids}) AND (id, attempts) IN (VALUES {attempts})"
        f" AND status = {sql.param(OutboxStatus.SENDING.value)}"
    )


class _Batch:
    """The statements of one batch, synchronous: on SQLite they run in the database's own
    thread, all in one trip (core/db/engine.py, write_in_one_go), or, when a write brings
    an extra, one by one on the batch's connection (``conn``)."""

    def __init__(
        self,
        dialect: Dialect,
        execute: Execute,
        items: list[ChatWrite],
        conn: Connection | None = None,  # given when a write brings an extra
    ) -> None:
        self.dialect, self.execute, self.items, self.conn = dialect, execute, items, conn
        self.outcomes: list[Outcome | None] = [None] * len(items)

    def _sql(self) -> Sql:
        """A new statement's parameters."""
        return Sql(self.dialect, self.execute)

    def run(self) -> list[Outcome]:
        self._claim(range(len(self.items)))
        fresh = [n for n, outcome in enumerate(self.outcomes) if outcome is None]
        plain = [n for n in fresh if self.items[n].new_chat is None and not self.items[n].extra]
        self._update_conversations(plain)
        for n in fresh:
            item = self.items[n]
            if item.new_chat is not None:  # an extra needs a known chat: never both
                made = self._create(item, item.new_chat) if not item.extra else None
                self.outcomes[n] = made or Outcome(Written.CONFLICT)
            elif item.extra is not None:
                self.outcomes[n] = self._with_extra(n, item.extra)
        lost = [
            item.event
            for item, outcome in zip(self.items, self.outcomes, strict=True)
            if item.event is not None
            and outcome is not None
            and outcome.written is Written.CONFLICT
        ]
        if lost:  # their claims go with them: the slow way claims again
            sql = self._sql()
            claims = " OR ".join(
                f"(source = {sql.param(source)} AND external_id = {sql.param(external_id)})"
                for source, external_id in lost
            )
            sql.run(f"DELETE FROM {EVENTS.name} WHERE {claims}")
        self._note_contact()
        self._keep_replies()
        return [o if o is not None else Outcome(Written.CONFLICT) for o in self.outcomes]

    def _keep_replies(self) -> None:
        """The kept replies of the writes that hold, as outbox rows (one statement)."""
        kept = {
            item.reply.key: n
            for n, item in enumerate(self.items)
            if item.reply is not None and self._done(n)
        }
        if not kept:
            return
        sql = self._sql()
        rows = []
        for n in kept.values():
            item, outcome = self.items[n], self.outcomes[n]
            reply = item.reply
            assert reply is not None and outcome is not None
            sending = reply.sending_until is not None
            status = OutboxStatus.SENDING if sending else OutboxStatus.PENDING
            rows.append(
                f"({sql.param(REPLY_KIND)}, {sql.param(reply.user_id or outcome.user_id)},"
                f" {sql.param(reply.channel)}, {sql.json(reply.payload)},"
                f" {sql.param(status.value)}, {sql.number(int(sending))},"
                f" {sql.time(reply.sending_until or item.now)}, {sql.param(reply.key)},"
                f" {sql.time(item.now)})"
            )
        created = sql.run(
            "INSERT INTO outbox (kind, user_id, channel, payload, status, attempts,"
            " next_attempt_at, dedupe_key, created_at)"
            f" VALUES {', '.join(rows)} RETURNING id, dedupe_key"
        )
        for outbox_id, key in created:  # RETURNING promises no order: matched by key
            n = kept[key]
            outcome, reply = self.outcomes[n], self.items[n].reply
            assert outcome is not None and reply is not None
            if reply.sending_until is not None:  # the caller's attempt, the row's first
                self.outcomes[n] = replace(outcome, reply=Attempt(outbox_id, 1))

    def _note_contact(self) -> None:
        """Whoever wrote can be reached again (a blocked bot was unblocked); their last
        contact moves on when the caller asks (once a minute is precise enough)."""
        kept = [
            item
            for n, item in enumerate(self.items)
            if item.identity_id is not None and self._done(n)
        ]
        if not kept:
            return
        sql = self._sql()  # parameters are bound in the order they are written
        everyone = [item.identity_id for item in kept]
        touched = [item.identity_id for item in kept if item.touch]
        if touched:
            sql.run(
                f"UPDATE channel_identities SET unreachable = {sql.false},"
                f" last_inbound_at = CASE WHEN id IN ({sql.params(touched)})"
                f" THEN {sql.time(max(item.now for item in kept))} ELSE last_inbound_at END"
                f" WHERE id IN ({sql.params(everyone)})"
                f" AND (unreachable OR id IN ({sql.params(touched)}))"
            )
        else:
            sql.run(
                f"UPDATE channel_identities SET unreachable = {sql.false}"
                f" WHERE id IN ({sql.params(everyone)}) AND unreachable"
            )

    def _with_extra(self, n: int, extra: ExtraWrite) -> Outcome:
        """The chat's state and its extra, in a savepoint: both, or neither (a conflict)."""
        assert self.conn is not None
        savepoint = self.conn.begin_nested()
        self._update_conversations([n])
        outcome = self.outcomes[n]
        assert outcome is not None
        if outcome.written is Written.CONFLICT:
            savepoint.rollback()
            return outcome
        try:
            wrote = extra(self.conn)
        except DomainError as refused:  # declared by the write: the transaction says why
            log.info("a journal write's extra was refused (%s): run again", refused.key)
            savepoint.rollback()
            return Outcome(Written.CONFLICT)
        savepoint.commit()
        return replace(outcome, extra=wrote)

    def _done(self, n: int) -> bool:
        outcome = self.outcomes[n]
        return outcome is not None and outcome.written is Written.DONE

    def _claim(self, indexes: Iterable[int]) -> None:
        """Claim the events of these writes in one statement; the taken ones are duplicates
        (and so is a second write of the same event in this batch)."""
        wanted: dict[tuple[str, str], int] = {}
        for n in indexes:
            event = self.items[n].event
            if event is None:
                continue
            if event in wanted:
                self.outcomes[n] = Outcome(Written.DUPLICATE)
            else:
                wanted[event] = n
        if not wanted:
            return
        sql = self._sql()
        claims = [claim_row(*event, self.items[n].now) for event, n in wanted.items()]
        rows = ", ".join(
            "(" + ", ".join(sql.value(EVENTS.c[name], value) for name, value in row.items()) + ")"
            for row in claims
        )
        key = ", ".join(CLAIM_KEY)
        claimed = sql.run(
            f"INSERT INTO processed_events ({', '.join(claims[0])})"
            f" VALUES {rows} ON CONFLICT ({key}) DO NOTHING RETURNING {key}"
        )
        mine = {(source, external_id) for source, external_id in claimed}
        for event, n in wanted.items():
            if event not in mine:
                self.outcomes[n] = Outcome(Written.DUPLICATE)

    def _update_conversations(self, indexes: Sequence[int]) -> None:
        """One UPDATE for all: each row only if still at the version its step started from."""
        items: dict[int, ChatWrite] = {}
        for n in indexes:
            item = self.items[n]
            if (item.conversation_id or 0) in items:  # the second of a chat in one batch
                self.outcomes[n] = Outcome(Written.CONFLICT)  # started from a stale version
            else:
                items[item.conversation_id or 0] = item
        if not items:
            return
        sql = self._sql()
        states = " ".join(  # parameters are bound in the order they are written
            f"WHEN {sql.param(i)} THEN {sql.json_text(w.state_json)}" for i, w in items.items()
        )
        now = sql.time(max(w.now for w in items.values()))
        ids = sql.params(list(items))
        versions = ", ".join(
            f"({sql.number(i)}, {sql.number(w.expected_version)})" for i, w in items.items()
        )
        updated = sql.run(  # "id IN": by the primary key (row values alone scan it all)
            f"UPDATE conversations SET state = CASE id {states} END,"
            f" version = version + 1, updated_at = {now}"
            f" WHERE id IN ({ids}) AND (id, version) IN (VALUES {versions}) RETURNING id"
        )
        done = {row[0] for row in updated}
        for n in indexes:
            item = self.items[n]
            if self.outcomes[n] is not None:
                continue
            if item.conversation_id in done:
                self.outcomes[n] = Outcome(
                    Written.DONE, item.conversation_id, item.expected_version + 1
                )
            else:
                self.outcomes[n] = Outcome(Written.CONFLICT)

    def _create(self, item: ChatWrite, chat: NewChat) -> Outcome:
        """The user, their identity and the conversation; if the identity or the
        conversation exists already (someone else was first), what was made is removed."""
        sql = self._sql()
        user = first_contact_values(
            chat.display_name, chat.locale, now=item.now, source=chat.source
        )
        values = ", ".join(sql.value(USERS.c[name], value) for name, value in user.items())
        [(user_id,)] = sql.run(
            f"INSERT INTO users ({', '.join(user)}) VALUES ({values}) RETURNING id"
        )
        sql = self._sql()
        identity_id = _first(
            sql.run(
                "INSERT INTO channel_identities"
                " (user_id, channel, external_id, unreachable, last_inbound_at, created_at)"
                f" VALUES ({sql.param(user_id)}, {sql.param(chat.channel)},"
                f" {sql.param(chat.external_id)}, {sql.false}, {sql.time(item.now)},"
                f" {sql.time(item.now)})"
                " ON CONFLICT (channel, external_id) DO NOTHING RETURNING id"
            )
        )
        conversation_id = None
        if identity_id is not None:
            sql = self._sql()
            conversation_id = _first(
                sql.run(
                    "INSERT INTO conversations (channel, chat_key, state, version, updated_at)"
                    f" VALUES ({sql.param(chat.channel)}, {sql.param(chat.chat_key)},"
                    f" {sql.json_text(item.state_json)}, 1, {sql.time(item.now)})"
                    " ON CONFLICT (channel, chat_key) DO NOTHING RETURNING id"
                )
            )
        if identity_id is not None and conversation_id is not None:
            return Outcome(Written.DONE, conversation_id, 1, identity_id, user_id)
        if identity_id is not None:
            sql = self._sql()
            sql.run(f"DELETE FROM {IDENTITIES.name} WHERE id = {sql.param(identity_id)}")
        sql = self._sql()
        sql.run(f"DELETE FROM {USERS.name} WHERE id = {sql.param(user_id)}")
        return Outcome(Written.CONFLICT)


def _first(rows: list[tuple[Any, ...]]) -> Any:
    """The first column of the only row, or None without a row (ON CONFLICT DO NOTHING)."""
    return rows[0][0] if rows else None
