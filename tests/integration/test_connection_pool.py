"""The connections of a busy moment are kept for the next (core/db/engine.py): SQLAlchemy's
default pool kept 5 and opened and closed up to 10 more as sessions came and went, which
cost the provider benchmark a quarter of its CPU on SQLite, and a third on PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db.engine import POSTGRES_POOL_SIZE


async def test_the_sessions_of_a_busy_moment_keep_their_connections(engine: AsyncEngine) -> None:
    """Forty transactions at once, twice: the second wave opens no connection. On
    PostgreSQL no more than the pool's are ever open (a session waits for one)."""
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda conn, _record: opened.append(conn))

    async def busy() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)  # the others take their connections meanwhile

    await asyncio.gather(*(busy() for _ in range(40)))
    first_wave = len(opened)
    await asyncio.gather(*(busy() for _ in range(40)))
    assert first_wave > 15  # more at once than the default pool kept or opened
    assert len(opened) == first_wave
    if engine.dialect.name == "postgresql":  # every one open is back in the pool now
        assert engine.pool.checkedin() == POSTGRES_POOL_SIZE  # type: ignore[attr-defined]
