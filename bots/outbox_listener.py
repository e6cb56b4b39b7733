"""PostgreSQL tells the worker when a message is due: LISTEN on ``mounasabet_outbox``.

A trigger (migration 0023) notifies that channel when an outbox row becomes ``pending``,
whichever process wrote it; PostgreSQL delivers it when the writing transaction commits.
So a separate `mounasabet worker`, like the one inside `serve`, sends a web process's
WhatsApp answer or a provider's news at once rather than at its next look. The look every
half second stays: it is what a lost connection or a missed notification falls back on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
CHANNEL = "mounasabet_outbox"  # the trigger's (core/db/migrations/versions/0023_outbox_notify.py)
CHECK_EVERY = 30.0  # seconds between two checks that the listening connection is alive
RECONNECT_AFTER = 5.0  # seconds before listening again once the connection was lost


def listens(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


async def listen_for_due_messages(engine: AsyncEngine, ring: Callable[[], None]) -> None:
    """``ring()`` on every notification, for ever; a lost connection is made again."""
    while True:
        try:
            await _listen(engine, ring)
        except Exception as exc:  # the database restarted, a network cut: listen again soon
            log.warning(
                "listening for due outbox messages stopped: %r; again in %s s", exc, RECONNECT_AFTER
            )
        await asyncio.sleep(RECONNECT_AFTER)


async def _listen(engine: AsyncEngine, ring: Callable[[], None]) -> None:
    """Until the connection is lost (then raises)."""

    def heard(*_: Any) -> None:
        ring()

    lost = asyncio.Event()
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection  # asyncpg's connection: it has LISTEN
        assert driver is not None
        driver.add_termination_listener(lambda *_: lost.set())  # closed, or cut by the server
        await driver.add_listener(CHANNEL, heard)
        try:
            ring()  # what was queued while nobody listened
            while True:
                try:
                    async with asyncio.timeout(CHECK_EVERY):
                        await lost.wait()
                except TimeoutError:
                    # A connection cut off on the way says nothing: a statement now and
                    # then finds out (outside any transaction, as LISTEN was).
                    await driver.execute("SELECT 1")
                    continue
                raise ConnectionError("the listening connection was closed")
        finally:
            # Back in the pool it must not listen any more (a connection's LISTEN outlives
            # its transactions); a broken one is thrown away instead.
            with contextlib.suppress(Exception):
                await driver.remove_listener(CHANNEL, heard)
