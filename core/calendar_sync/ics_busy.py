"""The busy time in an ICS file: pure, no I/O.

icalendar reads the file (time zones included: VTIMEZONE blocks, IANA names and the
Windows names Outlook writes); recurring-ical-events expands it (RRULE, RDATE, EXDATE,
RECURRENCE-ID overrides, X-WR-TIMEZONE). What a calendar marks free (TRANSP:TRANSPARENT)
or called off (STATUS:CANCELLED) takes no time. All-day events hold the provider's local
days; floating times are the provider's wall clock. The result is in UTC, merged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Event

from core.booking.availability import Interval, local_instant
from core.calendar_sync.ports import CalendarFeedError

# An occurrence count no real calendar reaches in a year (an every-minute rule does):
# expanding past it would only burn the server's time.
MAX_OCCURRENCES = 20_000
FREE_TRANSPARENCY = "TRANSPARENT"
CALLED_OFF = "CANCELLED"


def read_calendar(data: bytes) -> Calendar:
    """The file as a calendar; CalendarFeedError('calendar_unreadable') if it is not one."""
    try:
        parsed = Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        # icalendar's parse errors name the offending line: kept for the log, not the user.
        raise CalendarFeedError("calendar_unreadable", detail=str(error)[:200]) from error
    if not isinstance(parsed, Calendar) or parsed.name != "VCALENDAR":
        raise CalendarFeedError("calendar_unreadable", detail="no VCALENDAR")
    return parsed


def busy_intervals(
    data: bytes,
    *,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    max_occurrences: int = MAX_OCCURRENCES,
) -> list[Interval]:
    """The busy time of the ICS ``data`` that touches [start, end), merged, in UTC."""
    calendar = read_calendar(data)
    query = recurring_ical_events.of(calendar, skip_bad_series=True)
    found: list[Interval] = []
    try:
        for count, event in enumerate(query.after(start)):
            if count >= max_occurrences:
                raise CalendarFeedError("calendar_too_many_events", limit=max_occurrences)
            interval = _busy_interval(event, tz)
            if interval is None:
                continue
            if interval.start >= end:
                break  # occurrences come in order of start: the rest is past the horizon
            found.append(interval)
    except (recurring_ical_events.InvalidCalendar, ValueError) as error:
        raise CalendarFeedError("calendar_unreadable", detail=str(error)[:200]) from error
    return merge(found)


def _busy_interval(event: Event, tz: ZoneInfo) -> Interval | None:
    if str(event.get("TRANSP", "")).upper() == FREE_TRANSPARENCY:
        return None
    if str(event.get("STATUS", "")).upper() == CALLED_OFF:
        return None
    start, end = _instant(event.start, tz), _instant(event.end, tz)
    if end <= start:  # a moment (a reminder, a deadline) takes no time
        return None
    return Interval(start, end)


def _instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):  # an all-day event's day: the provider's midnight
        return local_instant(value, time(0), tz)
    if value.tzinfo is None:  # floating: the provider's own wall clock
        return local_instant(value.date(), value.time(), tz)
    return value.astimezone(UTC)


def merge(intervals: list[Interval]) -> list[Interval]:
    """Overlapping or touching intervals as one: fewer rows, the same busy time."""
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: (i.start, i.end)):
        if merged and interval.start <= merged[-1].end:
            last = merged[-1]
            if interval.end > last.end:
                merged[-1] = Interval(last.start, interval.end)
        else:
            merged.append(interval)
    return merged


def horizon(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The window imported: from a day back (an event under way) to ``days`` ahead."""
    return now - timedelta(days=1), now + timedelta(days=days)
