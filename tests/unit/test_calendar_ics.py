"""Issue 13: the busy time read from real-world-style ICS files (tests/data/calendars).

Each file is what a calendar app exports; the expected intervals are worked out by hand,
in UTC (Africa/Casablanca is UTC+1 outside Ramadan, Paris UTC+2 in summer).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.booking.availability import Interval
from core.calendar_sync.ics_busy import MAX_OCCURRENCES, busy_intervals, merge
from core.calendar_sync.ports import CalendarFeedError
from dialogs.framework.errors import explain
from dialogs.i18n.translator import translator

DATA = Path(__file__).parents[1] / "data" / "calendars"
CASABLANCA = ZoneInfo("Africa/Casablanca")
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def busy(name: str) -> list[tuple[datetime, datetime]]:
    data = (DATA / name).read_bytes()
    found = busy_intervals(data, start=YEAR[0], end=YEAR[1], tz=CASABLANCA)
    return [(i.start, i.end) for i in found]


def test_google_weekly_rule_skips_its_exdate_and_free_or_cancelled_events() -> None:
    assert busy("google_rrule_exdate.ics") == [
        # Saturdays 10:00-14:00 in Casablanca, 5 weeks, the 13 June excluded.
        (utc("2026-06-06T09:00"), utc("2026-06-06T13:00")),
        (utc("2026-06-15T13:00"), utc("2026-06-15T15:00")),  # written in UTC
        (utc("2026-06-20T09:00"), utc("2026-06-20T13:00")),
        (utc("2026-06-27T09:00"), utc("2026-06-27T13:00")),
        (utc("2026-07-04T09:00"), utc("2026-07-04T13:00")),
        # 16 June (TRANSP:TRANSPARENT) and 17 June (STATUS:CANCELLED) take no time.
    ]


def test_outlook_windows_zone_names() -> None:
    assert busy("outlook_windows_zones.ics") == [
        (utc("2026-06-15T08:00"), utc("2026-06-15T10:00")),  # Romance Standard Time, VTIMEZONE
        (utc("2026-06-16T09:00"), utc("2026-06-16T11:00")),  # Morocco Standard Time, none
        (utc("2026-06-18T07:00"), utc("2026-06-18T08:00")),  # W. Europe Standard Time, none
    ]


def test_all_day_multi_day_and_floating_events_hold_local_time() -> None:
    assert busy("allday_multiday.ics") == [
        (utc("2026-06-30T23:00"), utc("2026-07-01T23:00")),  # 1 July, Casablanca's day
        (utc("2026-07-09T23:00"), utc("2026-07-12T23:00")),  # 10-12 July
        (utc("2026-07-20T17:00"), utc("2026-07-20T22:00")),  # floating 18:00-23:00 local
        (utc("2026-07-24T23:00"), utc("2026-07-25T23:00")),  # a date without DTEND: one day
        (utc("2026-08-01T20:00"), utc("2026-08-03T02:00")),  # two nights running
    ]


def test_a_recurrence_override_moves_one_instance_and_cancels_another() -> None:
    assert busy("recurrence_override.ics") == [
        (utc("2026-09-01T09:00"), utc("2026-09-01T10:00")),
        (utc("2026-09-02T15:00"), utc("2026-09-02T17:00")),  # moved by its RECURRENCE-ID
    ]


def test_only_the_window_asked_for_is_read() -> None:
    data = (DATA / "google_rrule_exdate.ics").read_bytes()
    found = busy_intervals(
        data, start=utc("2026-06-16T00:00"), end=utc("2026-06-28T00:00"), tz=CASABLANCA
    )
    assert [i.start for i in found] == [utc("2026-06-20T09:00"), utc("2026-06-27T09:00")]


@pytest.mark.parametrize("locale", ["ar", "fr", "en"])
def test_a_malformed_file_is_a_clear_error_for_the_provider(locale: str) -> None:
    with pytest.raises(CalendarFeedError) as caught:
        busy("malformed.ics")
    assert caught.value.key == "calendar_unreadable"
    t = translator(locale)
    said = explain(caught.value, t)
    assert said == t(
        "This address does not give a calendar file we can read. Use the address in iCal"
        " format (it usually ends with .ics)."
    )
    assert "Broken" not in said  # the parser's detail is for the log only


def test_a_web_page_instead_of_a_calendar_is_refused() -> None:
    page = b"<!doctype html><html><body>Sign in to continue</body></html>"
    with pytest.raises(CalendarFeedError, match="calendar_unreadable"):
        busy_intervals(page, start=YEAR[0], end=YEAR[1], tz=CASABLANCA)


def test_an_every_minute_rule_stops_at_the_occurrence_limit() -> None:
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:m\r\n"
        b"DTSTAMP:20260101T000000Z\r\nDTSTART:20260101T000000Z\r\n"
        b"DTEND:20260101T000030Z\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(CalendarFeedError) as caught:
        busy_intervals(data, start=YEAR[0], end=YEAR[1], tz=CASABLANCA, max_occurrences=300)
    assert (caught.value.key, caught.value.params["limit"]) == ("calendar_too_many_events", 300)
    assert MAX_OCCURRENCES >= 2_000  # a busy provider's year, every day twice, and more


def test_merge_joins_overlapping_and_touching_intervals_only() -> None:
    a = Interval(utc("2026-06-01T09:00"), utc("2026-06-01T11:00"))
    b = Interval(utc("2026-06-01T10:00"), utc("2026-06-01T12:00"))
    c = Interval(utc("2026-06-01T12:00"), utc("2026-06-01T13:00"))
    d = Interval(utc("2026-06-01T14:00"), utc("2026-06-01T15:00"))
    assert merge([d, c, b, a]) == [Interval(a.start, c.end), d]
