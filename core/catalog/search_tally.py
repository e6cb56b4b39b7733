"""Searches counted in memory and added to ``search_counts`` now and then.

Why not a row per search: a search is a read-only step, run without a transaction on the
fast path (dialogs/update_path.mmd), and a write per search would cost every search a commit.
A counter per process, added to the table every minute, costs nothing per update; a killed
process loses at most a minute of counts, which a dashboard ratio can afford.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import date

from sqlalchemy import Date, Integer, String, bindparam, text

from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

FLUSH_EVERY_SECONDS = 60.0
# One statement both databases speak: a day's first count inserts, the next ones add.
_ADD = text(
    "INSERT INTO search_counts (day, channel, searches) VALUES (:day, :channel, :n) "
    "ON CONFLICT (day, channel) DO UPDATE SET searches = search_counts.searches + excluded.searches"
).bindparams(
    bindparam("day", type_=Date()),
    bindparam("channel", type_=String()),
    bindparam("n", type_=Integer()),
)


class SearchTally:
    """This process's searches per (market day, channel), not yet in the table."""

    def __init__(self) -> None:
        self._pending: Counter[tuple[date, str]] = Counter()

    def count(self, day: date, channel: str) -> None:
        self._pending[(day, channel[:16])] += 1

    @property
    def pending(self) -> int:
        return sum(self._pending.values())

    async def flush(self, uows: UnitOfWorkFactory) -> int:
        """Add the pending counts to the table in one transaction; how many searches."""
        batch, self._pending = self._pending, Counter()
        if not batch:
            return 0
        try:
            async with uows() as uow:
                await uow.session.execute(
                    _ADD, [{"day": d, "channel": c, "n": n} for (d, c), n in batch.items()]
                )
                await uow.commit()
        except Exception:
            # The database is away: keep the counts for the next flush rather than lose them.
            self._pending.update(batch)
            raise
        return sum(batch.values())

    async def flush_forever(
        self, uows: UnitOfWorkFactory, every: float = FLUSH_EVERY_SECONDS
    ) -> None:
        """The serving program's background task; its caller flushes once more on close."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.flush(uows)
            except Exception:
                log.exception("search counts not written; kept for the next try")
