"""The booking as an iCalendar invite (METHOD:REQUEST) for the confirmation email.

The UID is stable per booking, so a later update or cancellation (same UID, higher
SEQUENCE, METHOD:CANCEL) replaces the event in the client's calendar instead of adding one.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event, vCalAddress
from icalendar.enums import STATUS

from core.catalog.vocabulary import MARKET_TZ

PRODID = "-//Mounasabet//Bookings//EN"


def booking_uid(booking_id: int, domain: str) -> str:
    return f"booking-{booking_id}@{domain}"


def booking_invite(
    *,
    booking_id: int,
    domain: str,
    sequence: int,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    description: str,
    location: str,
    organizer_email: str,
    attendee_email: str,
    stamp: datetime,
    method: str = "REQUEST",
) -> bytes:
    """The .ics bytes; times are written in Africa/Casablanca with its VTIMEZONE."""
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["CN"] = "Mounasabet"
    attendee = vCalAddress(f"mailto:{attendee_email}")
    attendee.params.update({"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "RSVP": "FALSE"})
    event = Event.new(
        uid=booking_uid(booking_id, domain),
        sequence=sequence,
        stamp=stamp,
        start=starts_at.astimezone(MARKET_TZ),
        end=ends_at.astimezone(MARKET_TZ),
        summary=summary,
        description=description,
        location=location,
        organizer=organizer,
        attendees=[attendee],
        status=STATUS.CANCELLED if method == "CANCEL" else STATUS.CONFIRMED,
    )
    calendar = Calendar.new(prodid=PRODID, method=method, subcomponents=[event])
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
