"""`GET /calendar/<token>.ics`: a provider's bookings for Google, Apple or Outlook Calendar.

Calendar apps poll this address (they can't log in: the token in it is the key). Each
booking is one event with a stable UID (booking-<id>@mounasabet), so an update moves the
event instead of adding one; timed events carry the provider's zone with its VTIMEZONE,
full-day ones are dates. Texts are in the provider's language. An unknown token: 404.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web
from icalendar import Calendar, Event
from icalendar.enums import STATUS

from core.calendar_sync.export import FeedBooking, ProviderFeed, feed_of_token
from core.clock import Clock
from core.db.engine import read_only
from core.uow import UnitOfWorkFactory
from dialogs import labels
from dialogs.framework.errors import state_label
from dialogs.i18n.translator import Translator, translator

UID_DOMAIN = "mounasabet"
PRODID = "-//Mounasabet//Provider bookings//EN"
TENTATIVE_STATES = ("requested", "accepted")  # not promised yet: shown as tentative
REFRESH = timedelta(hours=1)  # how often we suggest calendar apps read the feed again


class CalendarFeed:
    def __init__(self, uows: UnitOfWorkFactory, clock: Clock) -> None:
        self.uows, self.clock = uows, clock

    def routes(self) -> list[web.RouteDef]:
        return [web.get(r"/calendar/{token:[A-Za-z0-9_-]{1,64}}.ics", self.feed)]

    async def feed(self, request: web.Request) -> web.Response:
        now = self.clock.now()
        async with self.uows() as uow:
            found = await feed_of_token(
                await read_only(uow.session), request.match_info["token"], now=now
            )
        if found is None:
            raise web.HTTPNotFound(text="No calendar at this address.")
        body = feed_ics(found, translator(found.locale), now=now)
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            # The address is a secret: no shared cache keeps a copy.
            headers={"Cache-Control": "private, max-age=300"},
        )


def feed_ics(feed: ProviderFeed, t: Translator, *, now: datetime) -> bytes:
    """The feed as ICS text."""
    calendar = Calendar.new(
        prodid=PRODID,
        uid=f"provider-{feed.provider_id}@{UID_DOMAIN}",
        name="Mounasabet · " + t.pick(feed.name),
        refresh_interval=REFRESH,
    )
    calendar["METHOD"] = "PUBLISH"
    tz = ZoneInfo(feed.timezone)
    for booking in feed.bookings:
        calendar.add_component(_event(booking, tz, t, now))
    calendar.add_missing_timezones()  # a VTIMEZONE for the provider's zone
    text: bytes = calendar.to_ical()
    return text


def _event(booking: FeedBooking, tz: ZoneInfo, t: Translator, now: datetime) -> Event:
    title = t.pick(booking.service_title)
    place = ", ".join(p for p in (booking.venue, labels.city(booking.city, t)) if p)
    details = [
        t("Booking request {ref}", ref=booking.reference) + " — " + state_label(booking.state, t),
        t("Occasion") + ": " + labels.event(booking.event_type, t),
        t("Guests") + ": " + (t.number(booking.guests) if booking.guests else "—"),
    ]
    if booking.full_day:
        start, end = booking.first_day, booking.first_day + timedelta(days=booking.days)
    else:
        start, end = booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz)
    event = Event.new(
        uid=f"booking-{booking.id}@{UID_DOMAIN}",
        summary=f"{title} · {booking.reference}",
        description="\n".join(details),
        location=place,
        start=start,
        end=end,
        stamp=now,
        last_modified=booking.updated_at,
        status=STATUS.TENTATIVE if booking.state in TENTATIVE_STATES else STATUS.CONFIRMED,
    )
    return event
