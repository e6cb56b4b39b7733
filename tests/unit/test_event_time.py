"""When a booking takes place, as both sides' screens write it (dialogs/shared/event_time)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.rows import Booking, Service
from dialogs.i18n.translator import translator
from dialogs.shared.event_time import event_when

FR = translator("fr")
DAY = date(2026, 12, 12)


def booking(starts: datetime, ends: datetime) -> Booking:
    return Booking(event_date=DAY, starts_at=starts, ends_at=ends)


def test_an_evening_past_midnight_says_the_next_day() -> None:
    # Casablanca is UTC+1 in December: 20:00 to 01:00 local.
    night = booking(datetime(2026, 12, 12, 19, tzinfo=UTC), datetime(2026, 12, 13, 0, tzinfo=UTC))
    when = event_when(night, Service(duration_minutes=300), FR)
    assert when == FR.join(
        (
            FR.date(DAY) + " " + FR("at {time}", time="20:00"),
            FR("until {time}", time="01:00") + " " + FR("(the next day)"),
        )
    )
    assert event_when(night, Service(duration_minutes=300), FR, until=False) == (
        FR.date(DAY) + " " + FR("at {time}", time="20:00")
    )


def test_an_afternoon_and_a_night_ending_at_midnight_name_no_other_day() -> None:
    afternoon = booking(
        datetime(2026, 12, 12, 13, tzinfo=UTC), datetime(2026, 12, 12, 17, tzinfo=UTC)
    )
    assert FR("(the next day)") not in event_when(afternoon, Service(duration_minutes=240), FR)
    to_midnight = booking(
        datetime(2026, 12, 12, 19, tzinfo=UTC), datetime(2026, 12, 12, 23, tzinfo=UTC)
    )
    assert event_when(to_midnight, Service(duration_minutes=240), FR).endswith(
        FR("until {time}", time="00:00")
    )


def test_a_full_day_booking_gives_its_day_alone() -> None:
    whole = booking(datetime(2026, 12, 11, 23, tzinfo=UTC), datetime(2026, 12, 12, 23, tzinfo=UTC))
    assert event_when(whole, Service(duration_minutes=None), FR) == FR.date(DAY)
    assert event_when(whole, None, FR) == FR.date(DAY)
