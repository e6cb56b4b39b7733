"""A send counts against the limits from when it ended, not when it started (the far end
counts it on arrival, which can be late on a slow call)."""

from __future__ import annotations

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
