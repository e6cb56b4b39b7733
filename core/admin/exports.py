"""Whole tables for CSV exports, read in batches so a long export holds little memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from core.admin.bookings import booking_row
from core.admin.money import entry_row
from core.admin.providers import provider_row
from core.db.tables import Booking, LedgerEntry, Provider
from core.uow import UnitOfWork

# name -> (table, row as a dict)
EXPORTS: dict[str, tuple[Any, Callable[[Any], dict[str, Any]]]] = {
    "bookings": (Booking, booking_row),
    "transactions": (LedgerEntry, entry_row),
    "providers": (Provider, provider_row),
}


async def count(uow: UnitOfWork, name: str) -> int:
    table, _ = EXPORTS[name]
    return int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)


async def rows(uow: UnitOfWork, name: str, *, batch: int = 1000) -> AsyncIterator[dict[str, Any]]:
    table, to_row = EXPORTS[name]
    key: InstrumentedAttribute[int] = table.id
    last = 0
    while True:
        found = (
            await uow.session.scalars(select(table).where(key > last).order_by(key).limit(batch))
        ).all()
        if not found:
            return
        for item in found:
            yield to_row(item)
        last = found[-1].id
        uow.session.expunge_all()  # what was written out need not stay in memory
