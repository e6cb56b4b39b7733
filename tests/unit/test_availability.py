"""Availability rules in Africa/Casablanca, including across the Ramadan clock change.

In 2026 Morocco's clocks go from UTC+1 to UTC+0 at 2026-02-15 02:00 UTC (03:00 local
becomes 02:00 again) and back to UTC+1 at 2026-03-22 02:00 UTC (02:00 local jumps to
03:00). So 15 February has 25 local hours and 22 March has 23. Every expectation below
is a concrete UTC instant worked out by hand from those two facts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.booking.availability import (
    MAX_DAYS_AHEAD,
    Interval,
    Occupancy,
    ProviderCalendar,
    ServiceRules,
    WeeklyWindow,
    check_horizon,
    check_slot,
    is_free,
    local_instant,
    make_slot,
    next_free_dates,
)
from core.errors import InvalidValue, SlotUnavailable

TZ = ZoneInfo("Africa/Casablanca")
NOTHING = Occupancy()
FULL_DAY = ServiceRules(duration_minutes=None, min_notice=timedelta(0))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def windows(start: time, end: time, days: range | tuple[int, ...] = range(7)) -> ProviderCalendar:
    return ProviderCalendar(TZ, tuple(WeeklyWindow(d, start, end) for d in days))


def reason(slot_day: date, start: time | None, rules: ServiceRules, **kw: object) -> str | None:
    """The key check_slot raises for this slot, or None when it's free."""
    calendar = kw.pop("calendar", windows(time(0), time(0)))
    occupancy = kw.pop("occupancy", NOTHING)
    now = kw.pop("now", utc(2026, 1, 1))
    assert isinstance(calendar, ProviderCalendar)
    assert isinstance(occupancy, Occupancy)
    assert isinstance(now, datetime)
    slot = make_slot(slot_day, start, rules, TZ)
    try:
        check_slot(slot, rules, calendar, occupancy, now=now)
    except SlotUnavailable as exc:
        assert not is_free(slot, rules, calendar, occupancy, now=now)
        return exc.key
    assert is_free(slot, rules, calendar, occupancy, now=now)
    return None


# --- Wall time to UTC -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        (date(2026, 1, 20), time(20), utc(2026, 1, 20, 19)),  # UTC+1
        (date(2026, 2, 14), time(20), utc(2026, 2, 14, 19)),  # last evening on UTC+1
        (date(2026, 2, 15), time(0), utc(2026, 2, 14, 23)),  # the change day starts on +1
        (date(2026, 2, 15), time(4), utc(2026, 2, 15, 4)),  # ... and ends on +0
        (date(2026, 2, 20), time(20), utc(2026, 2, 20, 20)),  # Ramadan: UTC+0
        (date(2026, 3, 21), time(23, 30), utc(2026, 3, 21, 23, 30)),
        (date(2026, 3, 22), time(1), utc(2026, 3, 22, 1)),
        (date(2026, 3, 22), time(4), utc(2026, 3, 22, 3)),  # back on UTC+1
        (date(2026, 3, 25), time(20), utc(2026, 3, 25, 19)),
    ],
)
def test_local_instant(day: date, at: time, expected: datetime) -> None:
    got = local_instant(day, at, TZ)
    assert got == expected
    assert got.tzinfo is UTC


def test_repeated_hour_on_fall_back_day() -> None:
    # 02:00-03:00 happens twice on 15 February; fold picks the occurrence.
    assert local_instant(date(2026, 2, 15), time(2, 30), TZ) == utc(2026, 2, 15, 1, 30)
    assert local_instant(date(2026, 2, 15), time(2, 30, fold=1), TZ) == utc(2026, 2, 15, 2, 30)


def test_skipped_hour_on_spring_forward_day_moves_on() -> None:
    # 02:30 does not exist on 22 March; it lands on the instant called 03:30.
    got = local_instant(date(2026, 3, 22), time(2, 30), TZ)
    assert got == utc(2026, 3, 22, 2, 30)
    assert got.astimezone(TZ).time() == time(3, 30)


# --- Slots ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2026, 2, 20), utc(2026, 2, 20, 20), utc(2026, 2, 20, 23)),  # during Ramadan
        (date(2026, 3, 25), utc(2026, 3, 25, 19), utc(2026, 3, 25, 22)),  # after it
        (date(2026, 1, 20), utc(2026, 1, 20, 19), utc(2026, 1, 20, 22)),  # before it
    ],
)
def test_hourly_event_at_20h_local(day: date, start: datetime, end: datetime) -> None:
    rules = ServiceRules(duration_minutes=180)
    slot = make_slot(day, time(20), rules, TZ)
    assert slot.interval == Interval(start, end)
    assert slot.held_days == (day,)
    assert slot.start_time == time(20)


def test_hourly_slot_needs_a_start_time() -> None:
    with pytest.raises(InvalidValue) as info:
        make_slot(date(2026, 6, 1), None, ServiceRules(duration_minutes=60), TZ)
    assert info.value.key == "start_time_required"


@pytest.mark.parametrize(
    ("day", "start", "end", "hours"),
    [
        (date(2026, 2, 15), utc(2026, 2, 14, 23), utc(2026, 2, 16, 0), 25),
        (date(2026, 3, 22), utc(2026, 3, 22, 0), utc(2026, 3, 22, 23), 23),
        (date(2026, 2, 20), utc(2026, 2, 20, 0), utc(2026, 2, 21, 0), 24),
        (date(2026, 6, 14), utc(2026, 6, 13, 23), utc(2026, 6, 14, 23), 24),
    ],
)
def test_full_day_covers_exactly_the_local_day(
    day: date, start: datetime, end: datetime, hours: int
) -> None:
    slot = make_slot(day, None, FULL_DAY, TZ)
    assert slot.interval == Interval(start, end)
    assert slot.interval.end - slot.interval.start == timedelta(hours=hours)
    assert slot.held_days == (day,)
    assert slot.start_time is None


def test_multi_day_event_across_the_change() -> None:
    rules = ServiceRules(duration_minutes=None, days=3, min_notice=timedelta(0))
    slot = make_slot(date(2026, 2, 14), None, rules, TZ)
    assert slot.held_days == (date(2026, 2, 14), date(2026, 2, 15), date(2026, 2, 16))
    assert slot.interval == Interval(utc(2026, 2, 13, 23), utc(2026, 2, 17, 0))
    assert reason(date(2026, 2, 14), None, rules) is None


@pytest.mark.parametrize(
    ("kw", "key"),
    [
        (
            {
                "calendar": ProviderCalendar(
                    TZ, windows(time(0), time(0)).windows, blackouts=frozenset({date(2026, 2, 16)})
                )
            },
            "slot_blackout",
        ),
        ({"occupancy": Occupancy(seats_taken={date(2026, 2, 15): 1})}, "slot_fully_booked"),
        ({"calendar": windows(time(9), time(18), days=(5, 6))}, "slot_closed_day"),  # Mon shut
    ],
)
def test_multi_day_event_needs_every_day(kw: dict[str, object], key: str) -> None:
    rules = ServiceRules(duration_minutes=None, days=3, min_notice=timedelta(0))
    assert reason(date(2026, 2, 14), None, rules, **kw) == key


# --- Weekly windows, including past midnight -------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2026, 2, 7), utc(2026, 2, 7, 17), utc(2026, 2, 8, 1)),  # ordinary Saturday
        # The change night: 18:00 +01 to the first 02:00 (+01) -> 8 real hours.
        (date(2026, 2, 14), utc(2026, 2, 14, 17), utc(2026, 2, 15, 1)),
        (date(2026, 2, 21), utc(2026, 2, 21, 18), utc(2026, 2, 22, 2)),  # Ramadan Saturday
        # Spring-forward night: 02:00 is skipped, the window ends at the jump (02:00 UTC).
        (date(2026, 3, 21), utc(2026, 3, 21, 18), utc(2026, 3, 22, 2)),
        (date(2026, 3, 28), utc(2026, 3, 28, 17), utc(2026, 3, 29, 1)),
    ],
)
def test_past_midnight_window_bounds(day: date, start: datetime, end: datetime) -> None:
    window = WeeklyWindow(5, time(18), time(2))
    assert window.bounds(day, TZ) == Interval(start, end)


SAT_NIGHT = windows(time(18), time(2), days=(5,))


@pytest.mark.parametrize(
    ("day", "start", "minutes", "key"),
    [
        (date(2026, 2, 7), time(22), 240, None),  # 22:00-02:00 fits exactly
        (date(2026, 2, 7), time(22), 241, "slot_outside_hours"),
        (date(2026, 2, 7), time(17, 30), 60, "slot_outside_hours"),
        (date(2026, 2, 14), time(22), 240, None),  # change night: ends 02:00 (+01)
        (date(2026, 2, 14), time(22), 241, "slot_outside_hours"),
        (date(2026, 2, 14), time(18), 480, None),
        (date(2026, 3, 21), time(22), 240, None),  # ends 02:00 UTC == 03:00 local
        (date(2026, 3, 21), time(22), 241, "slot_outside_hours"),
        (date(2026, 2, 8), time(0, 30), 60, "slot_closed_day"),  # Sunday: its own day
    ],
)
def test_hourly_event_past_midnight(day: date, start: time, minutes: int, key: str | None) -> None:
    rules = ServiceRules(duration_minutes=minutes, min_notice=timedelta(0))
    assert reason(day, start, rules, calendar=SAT_NIGHT) == key


def test_hourly_event_past_midnight_holds_only_its_start_day() -> None:
    rules = ServiceRules(duration_minutes=180, min_notice=timedelta(0))
    slot = make_slot(date(2026, 2, 14), time(23), rules, TZ)
    assert slot.held_days == (date(2026, 2, 14),)
    assert slot.interval == Interval(utc(2026, 2, 14, 22), utc(2026, 2, 15, 1))
    # Sunday being fully booked doesn't matter; Saturday being full does.
    sunday_full = Occupancy(seats_taken={date(2026, 2, 15): 5})
    saturday_full = Occupancy(seats_taken={date(2026, 2, 14): 1})
    day = date(2026, 2, 14)
    assert reason(day, time(23), rules, calendar=SAT_NIGHT, occupancy=sunday_full) is None
    assert (
        reason(day, time(23), rules, calendar=SAT_NIGHT, occupancy=saturday_full)
        == "slot_fully_booked"
    )


def test_window_inside_the_repeated_hour() -> None:
    # Sunday 15 Feb, 00:00-06:00 local is 7 real hours; a week later it is 6.
    cal = windows(time(0), time(6), days=(6,))
    seven_hours = ServiceRules(duration_minutes=420, min_notice=timedelta(0))
    assert reason(date(2026, 2, 15), time(0), seven_hours, calendar=cal) is None
    assert reason(date(2026, 2, 22), time(0), seven_hours, calendar=cal) == "slot_outside_hours"
    # And on 22 March it is only 5 real hours.
    five_h = ServiceRules(duration_minutes=300, min_notice=timedelta(0))
    assert reason(date(2026, 3, 22), time(0), five_h, calendar=cal) is None
    six_h = ServiceRules(duration_minutes=360, min_notice=timedelta(0))
    assert reason(date(2026, 3, 22), time(0), six_h, calendar=cal) == "slot_outside_hours"


# --- Notice, buffer, capacity, blackouts, busy time ------------------------------------


def test_min_notice_boundary() -> None:
    rules = ServiceRules(duration_minutes=60, min_notice=timedelta(hours=24))
    day, at = date(2026, 3, 25), time(20)  # 19:00 UTC
    start = utc(2026, 3, 25, 19)
    assert reason(day, at, rules, now=start - timedelta(hours=24)) is None
    assert (
        reason(day, at, rules, now=start - timedelta(hours=24) + timedelta(seconds=1))
        == "slot_too_soon"
    )


def test_min_notice_uses_the_real_offset() -> None:
    # 20:00 local on 20 Feb is 20:00 UTC: 24 h notice from 19:30 UTC the day before is
    # enough. With a fixed +01 offset it would be 19:00 UTC and "too soon".
    rules = ServiceRules(duration_minutes=60, min_notice=timedelta(hours=24))
    assert reason(date(2026, 2, 20), time(20), rules, now=utc(2026, 2, 19, 19, 30)) is None
    assert (
        reason(date(2026, 3, 25), time(20), rules, now=utc(2026, 3, 24, 19, 30)) == "slot_too_soon"
    )


EXISTING = Occupancy(hourly_bookings=(Interval(utc(2026, 6, 10, 14), utc(2026, 6, 10, 16)),))


@pytest.mark.parametrize(
    ("start", "buffer_min", "key"),
    [
        (time(17), 0, None),  # 16:00 UTC: back to back
        (time(17), 30, "slot_overlaps_booking"),
        (time(17, 30), 30, None),  # exactly the buffer
        (time(17, 30), 31, "slot_overlaps_booking"),
        (time(13), 0, None),  # 12:00-14:00 UTC ends as the other starts
        (time(13), 1, "slot_overlaps_booking"),
        (time(16), 0, "slot_overlaps_booking"),  # plain overlap
    ],
)
def test_buffer_between_hourly_bookings(start: time, buffer_min: int, key: str | None) -> None:
    rules = ServiceRules(
        duration_minutes=120,
        min_notice=timedelta(0),
        buffer=timedelta(minutes=buffer_min),
        daily_capacity=5,
    )
    assert reason(date(2026, 6, 10), start, rules, occupancy=EXISTING) == key


def test_full_day_ignores_hourly_bookings_but_counts_seats() -> None:
    rules = ServiceRules(duration_minutes=None, min_notice=timedelta(0), daily_capacity=2)
    day = date(2026, 6, 10)
    assert reason(day, None, rules, occupancy=EXISTING) is None
    assert reason(day, None, rules, occupancy=Occupancy(seats_taken={day: 1})) is None
    assert (
        reason(day, None, rules, occupancy=Occupancy(seats_taken={day: 2})) == "slot_fully_booked"
    )


def test_blackout() -> None:
    cal = ProviderCalendar(
        TZ, windows(time(0), time(0)).windows, blackouts=frozenset({date(2026, 2, 15)})
    )
    assert reason(date(2026, 2, 15), None, FULL_DAY, calendar=cal) == "slot_blackout"
    assert reason(date(2026, 2, 16), None, FULL_DAY, calendar=cal) is None


@pytest.mark.parametrize(
    ("busy", "day", "key"),
    [
        # 00:30-01:30 local on 15 Feb (+01): inside the change day, not the day before.
        (
            Interval(utc(2026, 2, 14, 23, 30), utc(2026, 2, 15, 0, 30)),
            date(2026, 2, 15),
            "slot_calendar_busy",
        ),
        (Interval(utc(2026, 2, 14, 23, 30), utc(2026, 2, 15, 0, 30)), date(2026, 2, 14), None),
        # 23:30-23:59 UTC on 15 Feb is still 15 Feb locally (+00).
        (
            Interval(utc(2026, 2, 15, 23, 30), utc(2026, 2, 15, 23, 59)),
            date(2026, 2, 15),
            "slot_calendar_busy",
        ),
        (Interval(utc(2026, 2, 15, 23, 30), utc(2026, 2, 15, 23, 59)), date(2026, 2, 16), None),
        # 23:30 UTC on 22 Mar is 00:30 on 23 Mar locally (+01).
        (Interval(utc(2026, 3, 22, 23, 30), utc(2026, 3, 23, 0)), date(2026, 3, 22), None),
        (
            Interval(utc(2026, 3, 22, 23, 30), utc(2026, 3, 23, 0)),
            date(2026, 3, 23),
            "slot_calendar_busy",
        ),
    ],
)
def test_busy_time_from_calendars(busy: Interval, day: date, key: str | None) -> None:
    cal = ProviderCalendar(TZ, windows(time(0), time(0)).windows, busy=(busy,))
    assert reason(day, None, FULL_DAY, calendar=cal) == key


def test_busy_time_and_buffer_for_hourly() -> None:
    busy = Interval(utc(2026, 6, 10, 10), utc(2026, 6, 10, 12))
    cal = ProviderCalendar(TZ, windows(time(8), time(22)).windows, busy=(busy,))
    day = date(2026, 6, 10)
    no_buffer = ServiceRules(duration_minutes=60, min_notice=timedelta(0))
    hour_buffer = ServiceRules(
        duration_minutes=60, min_notice=timedelta(0), buffer=timedelta(hours=1)
    )
    assert reason(day, time(13), no_buffer, calendar=cal) is None  # 12:00 UTC
    assert reason(day, time(13), hour_buffer, calendar=cal) == "slot_calendar_busy"
    assert reason(day, time(14), hour_buffer, calendar=cal) is None
    assert reason(day, time(12), no_buffer, calendar=cal) == "slot_calendar_busy"


def test_interval_refuses_naive_and_empty() -> None:
    with pytest.raises(InvalidValue):
        Interval(datetime(2026, 1, 1), utc(2026, 1, 2))  # noqa: DTZ001 - the point
    with pytest.raises(InvalidValue):
        Interval(utc(2026, 1, 2), utc(2026, 1, 2))


# --- Next free dates ------------------------------------------------------------------


def test_next_free_dates_skips_what_is_taken() -> None:
    cal = ProviderCalendar(
        TZ,
        windows(time(0), time(0), days=(0, 1, 2, 3, 4, 5)).windows,
        blackouts=frozenset({date(2026, 6, 4)}),
    )
    rules = ServiceRules(duration_minutes=None, min_notice=timedelta(hours=24))
    occupancy = Occupancy(seats_taken={date(2026, 6, 5): 1})
    got = next_free_dates(rules, cal, occupancy, now=utc(2026, 6, 1, 10), count=4)
    # 1-2 June too soon, 4 blacked out, 5 taken, 7 is a Sunday (closed).
    assert got == [date(2026, 6, 3), date(2026, 6, 6), date(2026, 6, 8), date(2026, 6, 9)]


def test_next_free_dates_horizon_and_count() -> None:
    rules = ServiceRules(duration_minutes=None, min_notice=timedelta(0))
    cal = windows(time(0), time(0))
    now = utc(2026, 6, 1, 10)  # 1 June began at 23:00 UTC on 31 May: already under way
    assert next_free_dates(rules, cal, NOTHING, now=now, count=2) == [
        date(2026, 6, 2),
        date(2026, 6, 3),
    ]
    assert next_free_dates(rules, cal, NOTHING, now=now, count=9, horizon_days=3) == [
        date(2026, 6, 2),
        date(2026, 6, 3),
        date(2026, 6, 4),
    ]


def test_next_free_dates_today_is_the_local_day() -> None:
    # 23:30 UTC on 31 May is 00:30 on 1 June in Casablanca (+01): "today" is 1 June, so a
    # zero-day horizon still offers the evening of 1 June.
    rules = ServiceRules(duration_minutes=60, min_notice=timedelta(0))
    got = next_free_dates(
        rules,
        windows(time(9), time(23)),
        NOTHING,
        now=utc(2026, 5, 31, 23, 30),
        count=3,
        horizon_days=0,
    )
    assert got == [date(2026, 6, 1)]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Fall back: 15 Feb starts at 23:00 UTC on the 14th -> less than 24 h away.
        (utc(2026, 2, 13, 23, 30), [date(2026, 2, 16), date(2026, 2, 17)]),
        (utc(2026, 2, 13, 23, 0), [date(2026, 2, 15), date(2026, 2, 16)]),
        # Spring forward: 22 Mar starts at 00:00 UTC (+00) -> exactly 24.5 h away.
        (utc(2026, 3, 20, 23, 30), [date(2026, 3, 22), date(2026, 3, 23)]),
        (utc(2026, 3, 21, 0, 1), [date(2026, 3, 23), date(2026, 3, 24)]),
    ],
)
def test_next_free_dates_across_the_change(now: datetime, expected: list[date]) -> None:
    rules = ServiceRules(duration_minutes=None, min_notice=timedelta(hours=24))
    got = next_free_dates(rules, windows(time(0), time(0)), NOTHING, now=now, count=2)
    assert got == expected


def test_next_free_dates_hourly_windows_across_the_change() -> None:
    # Sunday 00:00-06:00 holds 7 real hours on 15 Feb, 6 on ordinary Sundays, 5 on 22 Mar.
    cal = windows(time(0), time(6), days=(6,))
    now = utc(2026, 2, 9)
    six_h = ServiceRules(duration_minutes=360, min_notice=timedelta(0))
    assert next_free_dates(six_h, cal, NOTHING, now=now, count=7) == [
        date(2026, 2, 15),
        date(2026, 2, 22),
        date(2026, 3, 1),
        date(2026, 3, 8),
        date(2026, 3, 15),
        date(2026, 3, 29),  # 22 March is an hour short
        date(2026, 4, 5),
    ]
    seven_h = ServiceRules(duration_minutes=420, min_notice=timedelta(0))
    assert next_free_dates(seven_h, cal, NOTHING, now=now, count=3, horizon_days=60) == [
        date(2026, 2, 15)
    ]


def test_next_free_dates_sees_busy_and_booked_hours() -> None:
    sat = windows(time(18), time(2), days=(5,))
    rules = ServiceRules(duration_minutes=120, min_notice=timedelta(0))
    # The whole change-night window is busy in the provider's own calendar.
    busy_cal = ProviderCalendar(
        TZ, sat.windows, busy=(Interval(utc(2026, 2, 14, 17), utc(2026, 2, 15, 1)),)
    )
    assert next_free_dates(rules, busy_cal, NOTHING, now=utc(2026, 2, 9), count=2) == [
        date(2026, 2, 21),
        date(2026, 2, 28),
    ]
    # An event starts on the day it is booked for, so what is left of Saturday's window
    # after midnight (a Sunday start) does not count. One leftover hour is not enough...
    almost = ProviderCalendar(
        TZ, sat.windows, busy=(Interval(utc(2026, 2, 14, 17), utc(2026, 2, 15, 0)),)
    )
    assert date(2026, 2, 14) not in next_free_dates(
        rules, almost, NOTHING, now=utc(2026, 2, 9), count=2
    )
    # ... but 23:00-02:00 local (22:00-01:00 UTC) is.
    enough = ProviderCalendar(
        TZ, sat.windows, busy=(Interval(utc(2026, 2, 14, 17), utc(2026, 2, 14, 22)),)
    )
    assert next_free_dates(rules, enough, NOTHING, now=utc(2026, 2, 9), count=1) == [
        date(2026, 2, 14)
    ]
    # A booking 18:30-22:00 UTC leaves 1.5 h before it (too short) and 3 h after it.
    booked = Occupancy(hourly_bookings=(Interval(utc(2026, 2, 14, 18, 30), utc(2026, 2, 14, 22)),))
    assert next_free_dates(rules, sat, booked, now=utc(2026, 2, 9), count=1) == [date(2026, 2, 14)]
    blocked = Occupancy(
        hourly_bookings=(Interval(utc(2026, 2, 14, 18, 30), utc(2026, 2, 14, 23, 30)),)
    )
    assert next_free_dates(rules, sat, blocked, now=utc(2026, 2, 9), count=1) == [date(2026, 2, 21)]


@pytest.mark.parametrize(
    ("day", "refused"),
    [
        (date(2026, 5, 4), False),
        (date(2026, 5, 4) + timedelta(days=MAX_DAYS_AHEAD), False),  # the last day that can
        (date(2026, 5, 4) + timedelta(days=MAX_DAYS_AHEAD + 1), True),
        (date(2126, 6, 14), True),  # issue 12 item 8: held a slot
        (date.max, True),  # 31/12/9999: refused without any arithmetic that could overflow
    ],
)
def test_the_booking_horizon(day: date, refused: bool) -> None:
    today = date(2026, 5, 4)
    if refused:
        with pytest.raises(SlotUnavailable) as info:
            check_horizon(day, today, MAX_DAYS_AHEAD)
        assert (info.value.key, info.value.params["max_days"]) == ("slot_too_far", 730)
    else:
        check_horizon(day, today, MAX_DAYS_AHEAD)


def test_the_free_seat_is_the_lowest_nobody_holds() -> None:
    day = date(2026, 6, 14)
    held = Occupancy(seats_taken={day: 2}, held_seats={day: frozenset({0, 2})})
    assert held.free_seat(day, 3) == 1
    assert held.free_seat(day, 1) is None
    assert held.free_seat(day + timedelta(days=1), 3) == 0
    assert Occupancy().free_seat(day, 1) == 0
