"""Send limits kept on our side, shared by the channels; the defaults are Telegram's:
~1 message/s per chat, ~30/s per bot."""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class SendLimiter:
    def __init__(
        self,
        *,
        per_chat_interval: float = 1.0,
        per_bot_per_second: int = 30,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_chat_interval = per_chat_interval
        self.per_bot = per_bot_per_second
        self._now = monotonic
        self._last_by_chat: dict[int, float] = {}
        self._recent: deque[float] = deque()
        self._lock = asyncio.Lock()

    def delay(self, chat_id: int) -> float:
        """Seconds to wait before a message to ``chat_id`` keeps within both limits."""
        now = self._now()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        wait_chat = self._chat_wait(chat_id, now)
        wait_bot = (self._recent[0] + 1.0 - now) if len(self._recent) >= self.per_bot else 0.0
        return max(0.0, wait_chat, wait_bot)

    async def acquire(self, chat_id: int) -> None:
        """Wait for a turn, then count the send.

        A chat's own second is waited out without the lock: the outbox sends to several
        chats at once (core/notifications/outbox.py), and one chat's wait must not hold
        the others. The bot's limit is waited with it, first come first served."""
        while True:
            async with self._lock:
                wait_chat = self._chat_wait(chat_id, self._now())
                if wait_chat <= 0:
                    wait_bot = self.delay(chat_id)
                    if wait_bot > 0:
                        await asyncio.sleep(wait_bot)
                    self._count(chat_id, self._now())
                    return
            await asyncio.sleep(wait_chat)  # then looked at again: another send may have come

    def _chat_wait(self, chat_id: int, now: float) -> float:
        return self._last_by_chat.get(chat_id, -1e9) + self.per_chat_interval - now

    def _count(self, chat_id: int, now: float) -> None:
        self._last_by_chat[chat_id] = now
        self._recent.append(now)
        if len(self._last_by_chat) > 10_000:  # forget chats idle for a while
            cutoff = now - 60
            self._last_by_chat = {c: t for c, t in self._last_by_chat.items() if t > cutoff}

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for a turn, send inside the block; the send counts from when it ended.

        The far end counts a message when it arrives, somewhere between our start and our
        end of the call: counted from its start, a slow call followed by fast ones could
        put 31 arrivals within one of Telegram's seconds (429, measured by
        bench/outbox_delivery.py). Counted from its end, the next turn starts a full
        second after the arrival it replaces."""
        await self.acquire(chat_id)
        started = self._last_by_chat[chat_id]
        try:
            yield
        finally:
            ended = self._now()
            self._last_by_chat[chat_id] = ended
            with_start = bisect.bisect_left(self._recent, started)
            if with_start < len(self._recent) and self._recent[with_start] == started:
                del self._recent[with_start]
                bisect.insort(self._recent, ended)
