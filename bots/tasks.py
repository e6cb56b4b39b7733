"""Stopping a background task for good."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

RETRY_SECONDS = 5.0  # a task that does stop on its cancel may take this long to clean up


async def stop_task(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait until it has stopped; an error it ended with is raised.

    One cancel is not always enough: a cancellation can be lost inside a library's own
    timeout handling (Python 3.11's asyncio.timeout and wait_for can swallow one that races
    their deadline). Seen once in the test suite: the outbox loop kept polling after its
    cancel, and the app never finished closing. So it is cancelled again until it stops.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RETRY_SECONDS)
    with contextlib.suppress(asyncio.CancelledError):
        await task
