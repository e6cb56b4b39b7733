"""Before a provider accepts a request: their calendar read again, refused if it is busy.

The request was free when the client made it; the provider's own calendar may have filled
that time since. The feed is fetched before the accept's transaction opens (prefetch.py)
and stored in it. A feed that can't be fetched right now does not block the provider's
business: the check then uses the busy time read last (and the failure is kept).
"""

from __future__ import annotations

import logging
from datetime import datetime

from core.booking.actors import Actor
from core.booking.queries import owned_booking
from core.booking.states import BookingState
from core.calendar_sync.conflicts import busy_at_booking
from core.calendar_sync.imports import DEFAULT_HORIZON_DAYS, note_refresh_failure, store_feed
from core.calendar_sync.ports import CalendarFeedError
from core.calendar_sync.prefetch import FetchedFeed
from core.db.tables import CalendarImport
from core.uow import UnitOfWork

log = logging.getLogger(__name__)


async def busy_before_accept(
    uow: UnitOfWork,
    fetched: FetchedFeed | None,
    booking_id: int,
    actor: Actor,
    *,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> bool:
    """Whether the provider's calendar, as ``fetched`` before this transaction, is busy at
    the request's time.

    Not an error raised: the busy time just read is kept (the caller commits it) while
    the accept is refused. A booking that is no request any more is not busy here: the
    accept itself says why it can't move."""
    booking = await owned_booking(uow, actor, booking_id)
    if booking.state != BookingState.REQUESTED:
        return False
    connected = await uow.session.get(CalendarImport, booking.provider_id)
    if connected is not None:
        if fetched is not None and fetched.url == connected.url:
            await _keep(uow, booking.provider_id, fetched, now=now, horizon_days=horizon_days)
        else:
            # Not fetched before this transaction (its chat moved on, or the calendar was
            # changed meanwhile): the busy time read last decides. Fetching now would hold
            # the transaction open while the host answers (prefetch.py).
            log.info("calendar of provider %s not read again before accept", booking.provider_id)
    return await busy_at_booking(uow, booking)


async def _keep(
    uow: UnitOfWork, provider_id: int, fetched: FetchedFeed, *, now: datetime, horizon_days: int
) -> None:
    error = fetched.error
    if error is None:
        try:
            await store_feed(uow, provider_id, fetched.data, now=now, horizon_days=horizon_days)
            return
        except CalendarFeedError as unreadable:  # fetched, but not a calendar: nothing stored
            error = unreadable
    log.warning("calendar of provider %s not refreshed: %s", provider_id, error)
    await note_refresh_failure(uow, provider_id, error.key, now=now)
