"""A provider's calendar feed, fetched before the step that uses it opens its transaction.

Fetching waits for the provider's calendar host, up to the fetcher's time limit (15 s by
default). A transaction must not wait for it: on SQLite it holds the database's only write
lock, and every other chat's writes would wait for that host too (on PostgreSQL it would
hold its rows and a pooled connection as long). So a step that reads a feed (connecting
it, "Refresh now", Accept) gets it fetched first, with no transaction open
(dialogs/framework/fetching.py), and stores it in its transaction with `store_feed`, as
the refresh sweep does.

The reads here find which feed to fetch for a chat: only its provider's own, so a forged
button never makes us fetch someone else's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.states import BookingState
from core.calendar_sync.ports import CalendarFeedError, CalendarFetcher
from core.db.tables import Booking, CalendarImport, ChannelIdentity, Provider

_CI, _PR, _CH, _BK = (
    CalendarImport.__table__.c,
    Provider.__table__.c,
    ChannelIdentity.__table__.c,
    Booking.__table__.c,
)
# What says whose provider connected a calendar: a commit to these makes a kept answer stale.
CALENDAR_OWNER_TABLES = frozenset(table.__tablename__ for table in (CalendarImport, Provider))
_OWNERS = select(_PR.user_id).join(CalendarImport.__table__, _CI.provider_id == _PR.id)
# The connected feed of the provider this chat's user runs.
_FEED_OF_CHAT = (
    select(_CI.provider_id, _CI.url)
    .join(Provider.__table__, _PR.id == _CI.provider_id)
    .join(ChannelIdentity.__table__, _CH.user_id == _PR.user_id)
    .where(_CH.channel == bindparam("channel"), _CH.external_id == bindparam("external_id"))
    .limit(1)
)
# The same, only for a request of theirs still waiting for an answer.
_FEED_BEFORE_ACCEPT = _FEED_OF_CHAT.join(
    Booking.__table__, _BK.provider_id == _CI.provider_id
).where(_BK.id == bindparam("booking_id"), _BK.state == BookingState.REQUESTED.value)


@dataclass(frozen=True, slots=True)
class FetchedFeed:
    """A feed as fetched before the transaction: its bytes, or why it could not be read."""

    url: str
    data: bytes = b""
    error: CalendarFeedError | None = None


async def fetch_feed(fetcher: CalendarFetcher, url: str) -> FetchedFeed:
    """The feed at ``url``; a feed that can't be read is an answer too (the fetcher's
    declared failure), kept for the step to tell the provider or to note."""
    try:
        return FetchedFeed(url, await fetcher.fetch(url))
    except CalendarFeedError as error:
        return FetchedFeed(url, error=error)


async def calendar_owners(session: AsyncSession) -> frozenset[int]:
    """The users whose provider connected a calendar (most providers connect none)."""
    return frozenset((await session.scalars(_OWNERS)).all())


async def feed_of_chat(session: AsyncSession, channel: str, external_id: str) -> str | None:
    """The address of the calendar connected by the provider who writes from this chat."""
    row = (
        await session.execute(_FEED_OF_CHAT, {"channel": channel, "external_id": external_id})
    ).first()
    return row.url if row else None


async def feed_before_accept(
    session: AsyncSession, channel: str, external_id: str, booking_id: int
) -> str | None:
    """The calendar to read again before this chat's provider accepts ``booking_id``: none
    unless the request is theirs, still waiting, and they connected a calendar."""
    row = (
        await session.execute(
            _FEED_BEFORE_ACCEPT,
            {"channel": channel, "external_id": external_id, "booking_id": booking_id},
        )
    ).first()
    return row.url if row else None
