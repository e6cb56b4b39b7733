"""A provider's week and closed days in a sentence, as a person would write it:
"Mon–Sat 10:00–22:00, closed 1–7 Feb". Day and month names come from Babel (CLDR)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, time, timedelta

from babel.dates import format_interval, format_skeleton, format_time, get_day_names
from babel.lists import format_list

from core.booking.availability import WeeklyWindow
from dialogs.i18n.translator import FORMAT_LOCALES, Translator

DASH = "–"  # en dash: ranges of days and of hours
SHOWN_RUNS = 6  # closed periods named in a summary; the rest are counted


def _babel(t: Translator) -> str:
    return FORMAT_LOCALES[t.locale]


def day_name(weekday: int, t: Translator) -> str:
    return str(get_day_names("abbreviated", locale=_babel(t))[weekday])


def clock(at: time, t: Translator) -> str:
    return format_time(at, "HH:mm", locale=_babel(t))


def spans_text(spans: Sequence[tuple[time, time]], t: Translator) -> str:
    """ "10:00–14:00 and 16:00–23:00" """
    parts = [t.isolate(f"{clock(s, t)}{DASH}{clock(e, t)}") for s, e in spans]
    return format_list(parts, locale=_babel(t))


def day_span(days: Sequence[int], t: Translator) -> str:
    """ "Mon" or "Mon–Sat" for consecutive weekdays."""
    if len(days) == 1:
        return day_name(days[0], t)
    return f"{day_name(days[0], t)}{DASH}{day_name(days[-1], t)}"


def spans_by_day(windows: Iterable[WeeklyWindow]) -> list[tuple[tuple[time, time], ...]]:
    """Each weekday's spans, Monday first, sorted."""
    found: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for w in windows:
        found[w.weekday].append((w.start, w.end))
    return [tuple(sorted(spans)) for spans in found]


def week_groups(
    windows: Iterable[WeeklyWindow],
) -> list[tuple[list[int], tuple[tuple[time, time], ...]]]:
    """Runs of consecutive open weekdays with the same hours."""
    groups: list[tuple[list[int], tuple[tuple[time, time], ...]]] = []
    for day, spans in enumerate(spans_by_day(windows)):
        if not spans:
            continue
        if groups and groups[-1][0][-1] == day - 1 and groups[-1][1] == spans:
            groups[-1][0].append(day)
        else:
            groups.append(([day], spans))
    return groups


def week_text(windows: Iterable[WeeklyWindow], t: Translator) -> str:
    groups = week_groups(windows)
    if not groups:
        return t("closed every day of the week")
    return t.join(f"{day_span(days, t)} {spans_text(spans, t)}" for days, spans in groups)


def closed_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive closed dates as (first, last) runs."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day - timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def run_text(first: date, last: date, t: Translator, *, this_year: int) -> str:
    """ "14 Feb", "1–7 Feb", "30 Dec 2027 – 2 Jan 2028" (the year only when not this one)."""
    skeleton = "MMMd" if first.year == last.year == this_year else "yMMMd"
    if first == last:
        return t.isolate(format_skeleton(skeleton, first, locale=_babel(t)))
    return t.isolate(format_interval(first, last, skeleton, locale=_babel(t)))


def closed_text(days: Iterable[date], t: Translator, *, today: date) -> str:
    """ "closed 1–7 Feb and 14 Feb", or "" when no day ahead is closed."""
    runs = closed_runs(d for d in days if d >= today)
    if not runs:
        return ""
    named = [run_text(a, b, t, this_year=today.year) for a, b in runs[:SHOWN_RUNS]]
    if len(runs) > SHOWN_RUNS:
        named.append(t.plural("{n} more period", "{n} more periods", len(runs) - SHOWN_RUNS))
    return t("closed {dates}", dates=format_list(named, locale=_babel(t)))


def availability_summary(
    windows: Iterable[WeeklyWindow], closed: Iterable[date], t: Translator, *, today: date
) -> str:
    """The whole picture in one line: the week, then the closed days ahead."""
    parts = [week_text(windows, t), closed_text(closed, t, today=today)]
    return t.join(p for p in parts if p)
