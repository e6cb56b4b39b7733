"""Gapless yearly numbering, shared by invoices and credit notes.

The number comes from a per-year counter row locked for the rest of the transaction
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's writers are serialised by
``BEGIN IMMEDIATE``). A rolled-back transaction rolls its number back with it, so a series
has no holes, and concurrent transactions queue on the counter instead of sharing a number.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import CreditNoteCounter, InvoiceCounter

# Each series has a counter table of its own (year -> last_value).
Counter = TypeVar("Counter", InvoiceCounter, CreditNoteCounter)


async def next_sequence(session: AsyncSession, counter_table: type[Counter], year: int) -> int:
    """Take the next number of ``year`` in ``counter_table``'s series; the counter row stays
    locked until commit."""
    counter = await session.get(counter_table, year, with_for_update=True, populate_existing=True)
    if counter is None:
        try:
            async with session.begin_nested():
                session.add(counter_table(year=year, last_value=0))
        except IntegrityError:  # another transaction opened the year first: use its row
            pass
        counter = await session.get(
            counter_table, year, with_for_update=True, populate_existing=True
        )
        assert counter is not None
    counter.last_value += 1
    await session.flush()
    return counter.last_value
