"""A provider's own calendar: weekly opening hours and closed days (blackouts), as the
provider bot sets them. Vacations are runs of closed days, so the booking rules and the
search need no second notion of "closed"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, time, timedelta
from itertools import pairwise

from sqlalchemy import delete, select

from core.booking.availability import WeeklyWindow
from core.catalog.service_rules import Problem
from core.db.tables import Blackout, WeeklyRule
from core.errors import InvalidValue
from core.uow import UnitOfWork

MAX_SPANS_PER_DAY = 3  # "10:00-14:00, 16:00-23:00" is common; more is a typing accident
MAX_CLOSED_RUN_DAYS = 366  # one vacation: a year at most


def hours_problem(spans: Sequence[tuple[time, time]]) -> Problem | None:
    """Opening spans of one day: a few, none empty, none overlapping another.

    A span whose end is not after its start runs past midnight (22:00-02:00), as
    ``WeeklyWindow`` reads it; only one such span, the last, makes sense in a day."""
    if len(spans) > MAX_SPANS_PER_DAY:
        return Problem("hours_too_many", {"max": MAX_SPANS_PER_DAY})
    ordered = sorted(spans)
    if any(start == end for start, end in ordered):
        return Problem("hours_empty_span")
    for (start, end), (next_start, _) in pairwise(ordered):
        if end <= start or end > next_start:  # runs past midnight, or into the next span
            return Problem("hours_overlap")
    return None


def run_problem(first: date, last: date) -> Problem | None:
    if last < first:
        return Problem("closed_run_backwards")
    if (last - first).days >= MAX_CLOSED_RUN_DAYS:
        return Problem("closed_run_too_long", {"max": MAX_CLOSED_RUN_DAYS})
    return None


async def opening_windows(uow: UnitOfWork, provider_id: int) -> list[WeeklyWindow]:
    rows = await uow.session.scalars(
        select(WeeklyRule)
        .where(WeeklyRule.provider_id == provider_id)
        .order_by(WeeklyRule.weekday, WeeklyRule.start)
    )
    return [WeeklyWindow(r.weekday, r.start, r.end) for r in rows.all()]


async def set_hours(
    uow: UnitOfWork,
    provider_id: int,
    weekdays: Iterable[int],
    spans: Sequence[tuple[time, time]],
) -> None:
    """Replace the hours of these weekdays (0 = Monday) with ``spans``; none: closed."""
    days = sorted(set(weekdays))
    problem = hours_problem(spans) or (
        None if days and all(0 <= d <= 6 for d in days) else Problem("hours_bad_weekday")
    )
    if problem is not None:
        raise InvalidValue(problem.key, **problem.params)
    await uow.session.execute(
        delete(WeeklyRule).where(
            WeeklyRule.provider_id == provider_id, WeeklyRule.weekday.in_(days)
        )
    )
    uow.session.add_all(
        WeeklyRule(provider_id=provider_id, weekday=d, start=start, end=end)
        for d in days
        for start, end in spans
    )
    await uow.session.flush()


async def closed_days(uow: UnitOfWork, provider_id: int, *, since: date) -> list[date]:
    """Closed days from ``since`` on, in order."""
    rows = await uow.session.scalars(
        select(Blackout.day)
        .where(Blackout.provider_id == provider_id, Blackout.day >= since)
        .order_by(Blackout.day)
    )
    return list(rows.all())


def _days(first: date, last: date) -> list[date]:
    problem = run_problem(first, last)
    if problem is not None:
        raise InvalidValue(problem.key, **problem.params)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def close_days(uow: UnitOfWork, provider_id: int, first: date, last: date) -> int:
    """Close every day from ``first`` to ``last``; returns how many were open."""
    wanted = _days(first, last)
    already = set(
        (
            await uow.session.scalars(
                select(Blackout.day).where(
                    Blackout.provider_id == provider_id, Blackout.day.between(first, last)
                )
            )
        ).all()
    )
    new = [d for d in wanted if d not in already]
    uow.session.add_all(Blackout(provider_id=provider_id, day=d) for d in new)
    await uow.session.flush()
    return len(new)


async def reopen_days(uow: UnitOfWork, provider_id: int, first: date, last: date) -> None:
    """Open again every closed day from ``first`` to ``last``."""
    _days(first, last)
    await uow.session.execute(
        delete(Blackout).where(
            Blackout.provider_id == provider_id, Blackout.day.between(first, last)
        )
    )
