"""Issue 13: a provider's week and closed days read like a person wrote them, in each
language (Babel's day and month names), consecutive days and dates grouped."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from core.booking.availability import WeeklyWindow
from dialogs.i18n.translator import FSI, PDI, translator
from dialogs.provider.availability_text import availability_summary, closed_runs

TODAY = date(2027, 1, 20)
MON_SAT = [WeeklyWindow(d, time(10), time(22)) for d in range(6)]
VACATION = [date(2027, 2, 1) + timedelta(days=i) for i in range(7)]


def plain(text: str) -> str:
    return text.replace(FSI, "").replace(PDI, "")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Mon–Sat 10:00–22:00, closed 1\u2009–\u20097 Feb"),
        ("fr", "lun.–sam. 10:00–22:00, fermé 1–7 fév."),
        ("ar", "الاثنين–السبت 10:00–22:00، مغلق 1–7 فبراير"),
    ],
)
def test_a_typical_week_with_a_vacation(locale: str, expected: str) -> None:
    t = translator(locale)
    assert plain(availability_summary(MON_SAT, VACATION, t, today=TODAY)) == expected


def test_different_hours_split_the_week_and_past_days_are_left_out() -> None:
    t = translator("en")
    windows = [
        *MON_SAT[:5],
        WeeklyWindow(5, time(12), time(15)),
        WeeklyWindow(5, time(18), time(2)),  # past midnight
    ]
    closed = [date(2027, 1, 2), date(2027, 2, 14), date(2027, 12, 31), date(2028, 1, 1)]
    assert plain(availability_summary(windows, closed, t, today=TODAY)) == (
        "Mon–Fri 10:00–22:00, Sat 12:00–15:00 and 18:00–02:00,"
        " closed 14 Feb and 31 Dec 2027\u2009–\u20091 Jan 2028"
    )


def test_a_week_without_hours_says_so() -> None:
    t = translator("fr")
    assert availability_summary([], [], t, today=TODAY) == t("closed every day of the week")


def test_consecutive_dates_make_one_run() -> None:
    days = [date(2027, 2, 3), date(2027, 2, 1), date(2027, 2, 2), date(2027, 2, 5)]
    assert closed_runs(days) == [
        (date(2027, 2, 1), date(2027, 2, 3)),
        (date(2027, 2, 5), date(2027, 2, 5)),
    ]
