"""Stopping a background task survives a cancellation the task lost."""

from __future__ import annotations

import asyncio

import pytest

from bots import tasks
from bots.tasks import stop_task


async def test_a_task_that_lost_its_cancel_is_cancelled_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tasks, "RETRY_SECONDS", 0.01)
    rounds = 0

    async def polls_and_loses_one_cancel() -> None:
        nonlocal rounds
        lost = False
        while True:
            rounds += 1
            try:
                await asyncio.sleep(0.005)
            except asyncio.CancelledError:
                if lost:
                    raise
                lost = True  # as a library's timeout may swallow one

    task = asyncio.ensure_future(polls_and_loses_one_cancel())
    await asyncio.sleep(0.02)
    await stop_task(task)
    assert task.cancelled()
    stopped_at = rounds
    await asyncio.sleep(0.02)
    assert rounds == stopped_at


async def test_an_error_the_task_ended_with_is_raised() -> None:
    async def fails() -> None:
        raise RuntimeError("broken")

    task = asyncio.ensure_future(fails())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="broken"):
        await stop_task(task)
