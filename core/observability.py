"""What /metrics reads from the database at each scrape: the outbox's backlog, payments
and sweeps. The database, not a process, knows these when web and worker run apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.db.tables import OutboxMessage, Payment, SweepRecord
from core.uow import UnitOfWorkFactory

WAITING = ("pending", "sending")


@dataclass(frozen=True)
class OutboxRows:
    channel: str  # "any" where the user's own channel is picked at sending
    status: str
    count: int


@dataclass(frozen=True)
class SweepState:
    sweep: str
    runs: int
    failures: int
    last_seconds: float | None
    failing: bool


@dataclass(frozen=True)
class StoredState:
    outbox: list[OutboxRows]
    oldest_waiting_seconds: float  # 0 when nothing waits
    payments: dict[tuple[str, str], int]  # (kind, status) -> count
    sweeps: list[SweepState]


async def stored_state(uows: UnitOfWorkFactory, now: datetime) -> StoredState:
    async with uows() as uow:
        s = uow.session
        outbox = [
            OutboxRows(channel or "any", status, int(count))
            for channel, status, count in (
                await s.execute(
                    select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
                        OutboxMessage.channel, OutboxMessage.status
                    )
                )
            ).all()
        ]
        oldest = await s.scalar(
            select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_(WAITING))
        )
        payments = {
            (kind, status): int(count)
            for kind, status, count in (
                await s.execute(
                    select(Payment.kind, Payment.status, func.count()).group_by(
                        Payment.kind, Payment.status
                    )
                )
            ).all()
        }
        sweeps = [
            SweepState(
                r.id,
                r.runs,
                r.failures,
                None if r.duration_ms is None else r.duration_ms / 1000,
                r.status == "error",
            )
            for r in (await s.scalars(select(SweepRecord))).all()
        ]
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return StoredState(outbox, age, payments, sweeps)
