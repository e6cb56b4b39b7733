"""What the calendar import needs from the outside world, and how it fails."""

from __future__ import annotations

from typing import Protocol

from core.errors import DomainError


class CalendarFeedError(DomainError):
    """A feed we could not use; the key says why, in words the provider can act on."""

    key = "calendar_unreadable"


class CalendarFetcher(Protocol):
    """Port: the bytes of an ICS feed, fetched within the limits of the implementation
    (addresses, redirects, size, time); CalendarFeedError when it cannot."""

    async def fetch(self, url: str) -> bytes: ...
