"""Time as a port: services take a Clock so tests control it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, benchmarks, simulations)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)


class ShiftedClock:
    """The system's time plus an offset that only grows: the sandbox's "skip ahead"
    (issue 14), so a booking made for tomorrow can be delivered and reviewed today.

    Only forward: every deadline, lease and outbox time already taken stays in the past
    or the future it was in, never in a future that comes twice.
    """

    def __init__(self, base: Clock | None = None) -> None:
        self._base: Clock = base or SystemClock()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return self._base.now() + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def skip(self, delta: timedelta) -> datetime:
        """Move forward by ``delta``; the new time."""
        if delta <= timedelta(0):
            raise ValueError("a clock can only skip forward")
        self._offset += delta
        return self.now()
