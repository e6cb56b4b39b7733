"""The sweep lease: a row in the database that one process holds at a time.

Taking it is one conditional UPDATE (free, expired, or already ours), so two processes
racing for it cannot both win on SQLite or PostgreSQL; the holder renews it well before
it expires, and a holder that dies simply stops renewing: once ``expires_at`` has passed,
the next process to ask takes it over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.db.engine import read_only
from core.db.tables import SchedulerLease
from core.uow import UnitOfWorkFactory

SWEEPS_LEASE = "sweeps"
LEASE_TTL = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class LeaseState:
    holder: str
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime

    def stale(self, now: datetime) -> bool:
        return self.expires_at <= now


async def acquire(
    uows: UnitOfWorkFactory,
    holder: str,
    *,
    now: datetime,
    ttl: timedelta = LEASE_TTL,
    name: str = SWEEPS_LEASE,
) -> bool:
    """Take or renew the lease for ``holder``; False while another process holds it."""
    async with uows() as uow:
        session = uow.session
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        # The first process ever creates the row; everyone after competes in the UPDATE.
        created = await session.execute(
            insert(SchedulerLease)
            .values(name=name, holder=holder, acquired_at=now, renewed_at=now, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        if getattr(created, "rowcount", 0) == 1:
            await uow.commit()
            return True
        current = await session.scalar(
            select(SchedulerLease.holder).where(SchedulerLease.name == name)
        )
        values: dict[str, object] = {"holder": holder, "renewed_at": now, "expires_at": now + ttl}
        if current != holder:
            values["acquired_at"] = now
        taken = await session.execute(
            update(SchedulerLease)
            .where(
                SchedulerLease.name == name,
                or_(SchedulerLease.holder == holder, SchedulerLease.expires_at <= now),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        won = getattr(taken, "rowcount", 0) == 1
        await uow.commit()
        return won


async def release(
    uows: UnitOfWorkFactory, holder: str, *, now: datetime, name: str = SWEEPS_LEASE
) -> None:
    """Let another process take over at once (a clean shutdown need not wait for expiry)."""
    async with uows() as uow:
        await uow.session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )
        await uow.commit()


async def current(uows: UnitOfWorkFactory, *, name: str = SWEEPS_LEASE) -> LeaseState | None:
    async with uows() as uow:
        row = await (await read_only(uow.session)).get(SchedulerLease, name)
        if row is None:
            return None
        return LeaseState(row.holder, row.acquired_at, row.renewed_at, row.expires_at)
