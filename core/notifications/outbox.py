"""The transactional outbox: enqueue with the change, deliver later with retries."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import OutboxMessage
from core.redaction import redact
from core.uow import UnitOfWorkFactory

MAX_ATTEMPTS = 8
log = logging.getLogger(__name__)


class OutboxStatus(StrEnum):
    PENDING = "pending"
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
    attempts: int


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    HOLD = "hold"
    GIVE_UP = "give_up"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    outcome: DeliveryOutcome
    external_id: str | None = None
    error: str | None = None
    retry_after: float | None = None


class MessageSender(Protocol):
    """Port: delivers one outbox message on whatever channel reaches its recipient."""

    async def deliver(self, envelope: Envelope) -> DeliveryResult: ...


def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    user_id: int,
    payload: dict[str, Any],
    now: datetime,
    channel: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        user_id=user_id,
        channel=channel,
        payload=payload,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 600))


LEASE = timedelta(seconds=60)
HOLD_RECHECK = timedelta(minutes=10)
DUE_STATUSES = (OutboxStatus.PENDING.value, OutboxStatus.HELD.value)


async def deliver_due(
    uows: UnitOfWorkFactory,
    sender: MessageSender,
    *,
    now: datetime,
    limit: int = 50,
    lease: timedelta = LEASE,
) -> int:
    """Send what is due; returns how many were sent.

    Messages are leased in a short transaction, sent outside any transaction (a slow
    network must not hold the database), then recorded: a crash mid-send makes the
    message due again when its lease ends, so delivery is at least once. A batch that
    runs long (rate limits) stops before its lease ends: another worker may then take
    the rest, and must not find them being sent.
    """
    deadline = time.monotonic() + lease.total_seconds() * 0.75
    async with uows() as uow:
        rows = (
            await uow.session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status.in_(DUE_STATUSES),
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for row in rows:
            row.next_attempt_at = now + lease
        leased = [_envelope(row) for row in rows]
        await uow.commit()
    sent = 0
    for envelope in leased:
        if time.monotonic() > deadline:
            break  # the rest stays leased until the lease ends, then is due again
        try:
            result = await sender.deliver(envelope)
        except Exception as exc:  # one broken message must not hold up the batch
            log.exception("delivering outbox message %s failed", envelope.id)
            result = DeliveryResult(DeliveryOutcome.RETRY, error=repr(exc)[:500])
        async with uows() as uow:
            current = await uow.session.get(OutboxMessage, envelope.id)
            if current is not None and current.status in DUE_STATUSES:
                _record(current, result, now)
                await uow.commit()
        sent += result.outcome is DeliveryOutcome.SENT
    return sent


async def release_held(session: AsyncSession, user_id: int, *, now: datetime) -> None:
    """The recipient is reachable again: send what waited for them."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.user_id == user_id, OutboxMessage.status == OutboxStatus.HELD.value)
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=now)
    )


def _envelope(row: OutboxMessage) -> Envelope:
    return Envelope(row.id, row.kind, row.user_id, row.channel, dict(row.payload), row.attempts)


def _record(row: OutboxMessage, result: DeliveryResult, now: datetime) -> None:
    row.attempts += 1
    row.last_error = redact(result.error)  # an upstream error may quote a URL with a token
    if result.outcome is DeliveryOutcome.SENT:
        row.status, row.sent_at, row.external_id = OutboxStatus.SENT.value, now, result.external_id
    elif result.outcome is DeliveryOutcome.HOLD:
        row.status = OutboxStatus.HELD.value
        # Looked at again later even if nobody releases it: a release that raced with this
        # delivery attempt must not leave the message held for good.
        row.next_attempt_at = now + HOLD_RECHECK
    elif result.outcome is DeliveryOutcome.GIVE_UP or row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.DEAD.value
    else:
        wait = (
            timedelta(seconds=result.retry_after) if result.retry_after else backoff(row.attempts)
        )
        row.next_attempt_at = now + wait
