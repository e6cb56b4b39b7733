"""Before a provider accepts a request: read their calendar again, refuse if it is busy.

The request was free when the client made it; the provider's own calendar may have filled
that time since. A feed that can't be fetched right now does not block the provider's
business: the check then uses the busy time read last (and the failure is kept).
"""

from __future__ import annotations

import logging
from datetime import datetime

from core.booking.actors import Actor
from core.booking.queries import owned_booking
from core.booking.states import BookingState
from core.calendar_sync.conflicts import busy_at_booking
from core.calendar_sync.imports import (
    DEFAULT_HORIZON_DAYS,
    note_refresh_failure,
    refresh_provider_calendar,
)
from core.calendar_sync.ports import CalendarFeedError, CalendarFetcher
from core.db.tables import CalendarImport
from core.uow import UnitOfWork

log = logging.getLogger(__name__)


async def busy_before_accept(
    uow: UnitOfWork,
    fetcher: CalendarFetcher | None,
    booking_id: int,
    actor: Actor,
    *,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> bool:
    """Whether the provider's calendar, read again now, is busy at the request's time.

    Not an error raised: the busy time just read is kept (the caller commits it) while
    the accept is refused. A booking that is no request any more is not busy here: the
    accept itself says why it can't move."""
    booking = await owned_booking(uow, actor, booking_id)
    if booking.state != BookingState.REQUESTED:
        return False
    connected = await uow.session.get(CalendarImport, booking.provider_id)
    if connected is not None and fetcher is not None:
        try:
            await refresh_provider_calendar(
                uow, fetcher, booking.provider_id, now=now, horizon_days=horizon_days
            )
        except CalendarFeedError as error:
            # The feed's host is down or its file broken: nothing was replaced.
            log.warning("calendar of provider %s not refreshed: %s", booking.provider_id, error)
            await note_refresh_failure(uow, booking.provider_id, error.key, now=now)
    return await busy_at_booking(uow, booking)
