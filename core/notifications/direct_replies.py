"""A dialog step's reply, kept in the outbox with the step, so that a crash can't lose it.

The row is written in the step's own transaction (or the chat journal's group commit,
core/conversations/journal.py), keyed by the inbound event it answers. Then:
- a channel that answers at once (Telegram) makes the first attempt itself and holds the
  row meanwhile (status ``sending``, `DIRECT_LEASE`); it marks the row sent through the
  journal, or hands what it could not send to the worker (`hand_over`);
- a channel that never sends from its webhook (WhatsApp) leaves the row due at once, for
  the worker.
If the process dies in between, the row outlives it: the same update delivered again
takes the reply over (`take_over`), or else the worker sends it when the lease ends.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import OutboxMessage
from core.notifications.outbox import DEFAULT_LEASES, OutboxStatus, enqueue_now, queued_row
from core.uow import UnitOfWork

KIND = "direct_reply"
# The first attempt, made while the webhook waits: a send that has not ended after its
# limit is given up and handed to the worker, before the lease ends, so that the two never
# send one reply at the same time. After a crash the worker waits the lease. The default
# (15 s, given up after 10 s); `send_lease_seconds` sets both with the worker's (`Leases`).
DIRECT_LEASE = DEFAULT_LEASES.reply
# Every step leaves a row; once sent it is only needed for late Twilio status callbacks.
KEEP_SENT = timedelta(days=1)
PRUNE_BATCH = 5000


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt at an outbox row, held by whoever made it: its outcome is recorded only
    while the row still counts this attempt as its last."""

    outbox_id: int
    number: int


def reply_key(source: str, event_id: str) -> str:
    """The row's dedupe key: one kept reply per inbound event."""
    return f"reply:{source}:{event_id}"[:128]


async def keep_in_step(
    uow: UnitOfWork,
    *,
    channel: str,
    user_id: int,
    payload: dict[str, Any],
    key: str,
    until: datetime | None,
    now: datetime,
) -> Attempt | None:
    """Write the reply in the step's own transaction; the caller's attempt when it holds
    the row to send it itself (``until``), its first."""
    row = queued_row(
        kind=KIND,
        user_id=user_id,
        channel=channel,
        payload=payload,
        now=now,
        dedupe_key=key,
        sending_until=until,
    )
    outbox_id = await enqueue_now(uow.session, row)
    return Attempt(outbox_id, 1) if until is not None else None


async def take_over(
    uow: UnitOfWork,
    key: str,
    *,
    now: datetime,
    lease: timedelta = DIRECT_LEASE,
    busy: Collection[int] = (),
) -> tuple[Attempt, dict[str, Any]] | None:
    """The reply to an update delivered again, if its first attempt never ended.

    Telegram delivers an update again only when its webhook got no answer: the process
    that made the first attempt died (or a proxy gave up on it). The worker has not
    touched the row yet (one attempt), so this caller makes the next one, at once. Not
    while the caller's process is still sending it (``busy``, outbox ids): a copy that
    came while the first was being answered, whose sender hands on what it could not send.
    """
    row = await uow.session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == key).with_for_update()
    )
    if row is None or row.id in busy:
        return None
    if row.status != OutboxStatus.SENDING.value or row.attempts != 1:
        return None
    row.attempts += 1
    row.next_attempt_at = now + lease
    return Attempt(row.id, row.attempts), dict(row.payload)


async def hand_over(
    session: AsyncSession,
    attempt: Attempt,
    replies: list[dict[str, Any]],
    *,
    now: datetime,
    error: str,
) -> None:
    """The caller sent only part of the reply: the worker sends ``replies``, the rest, now."""
    row = await session.get(OutboxMessage, attempt.outbox_id, with_for_update=True)
    if row is None or row.status != OutboxStatus.SENDING.value or row.attempts != attempt.number:
        return  # someone else has it now
    row.payload = {**row.payload, "replies": replies}
    row.status, row.next_attempt_at = OutboxStatus.PENDING.value, now
    row.last_error = error[:500]


async def prune_sent(
    session: AsyncSession, *, now: datetime, older_than: timedelta = KEEP_SENT
) -> int:
    """Forget kept replies sent more than ``older_than`` ago, a batch at a time; how many.

    Found by the due index (status, next_attempt_at): a kept reply's next_attempt_at is
    within a lease of its creation. News (other kinds) stays: it is the record of what
    each person was told.
    """
    batch = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.SENT.value,
            OutboxMessage.next_attempt_at < now - older_than,
            OutboxMessage.kind == KIND,
        )
        .limit(PRUNE_BATCH)
    )
    ids = (await session.scalars(batch)).all()
    if ids:
        await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return len(ids)
