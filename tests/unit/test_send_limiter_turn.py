"""A send counts against the limits from when it ended, not when it started (the far end
counts it on arrival, which can be late on a slow call)."""

from __future__ import annotations

import asyncio

from bots.rate_limit import SendLimiter


class Monotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_slow_send_counts_from_its_end_for_its_chat() -> None:
    clock = Monotonic()
    limiter = SendLimiter(per_chat_interval=1.0, per_bot_per_second=30, monotonic=clock)
    async with limiter.turn(7):
        clock.now = 0.4  # the call took 0.4 s
    clock.now = 1.0
    assert abs(limiter.delay(7) - 0.4) < 1e-9  # counted from 0.4, not from 0.0
    assert limiter.delay(8) == 0.0  # another chat is free


async def test_the_bot_window_keeps_the_end_times_in_order() -> None:
    clock = Monotonic()
    limiter = SendLimiter(per_chat_interval=0.0, per_bot_per_second=2, monotonic=clock)
    async with limiter.turn(1):
        clock.now = 0.5  # slow
    async with limiter.turn(2):
        clock.now = 0.6  # fast
    clock.now = 1.2
    # Two sends ended at 0.5 and 0.6: the third may go when the first is a second old.
    assert abs(limiter.delay(3) - 0.3) < 1e-9


async def test_a_chat_waiting_its_second_does_not_hold_another_chat() -> None:
    """The outbox sends to several chats at once: chat 1's second message waits for its
    second, chat 2's first goes meanwhile (before, the wait held the limiter's lock)."""
    limiter = SendLimiter(per_chat_interval=0.3, per_bot_per_second=30)
    await limiter.acquire(1)
    went: list[int] = []

    async def send(chat: int) -> None:
        await limiter.acquire(chat)
        went.append(chat)

    second_to_1 = asyncio.create_task(send(1))
    await asyncio.sleep(0)  # it is waiting now
    await send(2)
    assert went == [2]
    await second_to_1
    assert went == [2, 1]


async def test_two_sends_to_one_chat_at_once_still_wait_their_second() -> None:
    clock = Monotonic()
    limiter = SendLimiter(per_chat_interval=0.1, per_bot_per_second=30, monotonic=clock)
    await limiter.acquire(5)
    waiting = [asyncio.create_task(limiter.acquire(5)) for _ in range(2)]
    await asyncio.sleep(0.05)
    assert not any(t.done() for t in waiting)  # the clock has not moved: nobody's turn
    clock.now = 0.1
    await asyncio.wait(waiting, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    await asyncio.sleep(0.05)
    assert sum(t.done() for t in waiting) == 1  # one turn for the second that passed
    clock.now = 0.2
    await asyncio.wait(waiting, timeout=5)
    assert all(t.done() for t in waiting)
