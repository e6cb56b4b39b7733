"""Benchmark of the availability questions for a busy provider: its next free dates (the
profile, the date question) and one day's check (a date typed), as its bookings grow.

Run ``python -m bench.free_dates`` (SQLite, in a temporary file; ``--bookings 50 200``).
One photographer, open every day, one full-day service of capacity 1, booked on
consecutive days from a week ahead, as the Telegram benchmark's booking mix leaves it.
Each question is asked ``--repeat`` times in one session; the CPU time per question is
reported (the process is alone on its event loop: nothing else runs between the
statements). See bench/README.md, "Free dates of a busy provider".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.telegram_report import cpu_model
from core.booking.availability_query import check_day, upcoming_free_dates
from core.booking.request import RequestBooking, request_booking
from core.catalog.vocabulary import MARKET_TZ
from core.db.engine import make_engine, make_session_factory
from core.db.tables import Base, Service
from core.uow import UnitOfWorkFactory
from tests.support.factories import make_provider, make_user


async def seed(uows: UnitOfWorkFactory, now: datetime, bookings: int) -> int:
    _, _, service_id = await make_provider(uows, now, slug="busy-studio")
    client = await make_user(uows, now)
    today = now.astimezone(MARKET_TZ).date()
    for n in range(bookings):
        cmd = RequestBooking(
            client_id=client,
            service_id=service_id,
            event_type="wedding",
            day=today + timedelta(days=7 + n),
            city="rabat",
        )
        async with uows() as uow:
            await request_booking(uow, cmd, now=now)
            await uow.commit()
    return service_id


async def cpu_per_call(work: Callable[[], Awaitable[object]], repeat: int) -> float:
    for _ in range(min(20, repeat)):  # statements compiled and cached first
        await work()
    started = time.process_time()
    for _ in range(repeat):
        await work()
    return (time.process_time() - started) / repeat


async def measure(bookings: int, repeat: int) -> tuple[float, float, list[date]]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'free-dates.db'}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        uows = UnitOfWorkFactory(make_session_factory(engine))
        now = datetime.now(UTC)
        service_id = await seed(uows, now, bookings)
        try:
            async with uows() as uow:
                service = await uow.session.get(Service, service_id)
                assert service is not None
                found = await upcoming_free_dates(uow.session, service, now=now)
                day = now.astimezone(MARKET_TZ).date() + timedelta(days=7 + bookings + 1)
                free = await cpu_per_call(
                    lambda: upcoming_free_dates(uow.session, service, now=now), repeat
                )
                checked = await cpu_per_call(
                    lambda: check_day(uow.session, service, day, None, now=now), repeat
                )
        finally:
            await engine.dispose()
    return free, checked, found


async def run(args: argparse.Namespace) -> None:
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {os.getloadavg()[0]:.1f}"
    )
    for bookings in args.bookings:
        free, checked, found = await measure(bookings, args.repeat)
        print(
            f"{bookings:5d} bookings: next free dates {free * 1000:.2f} ms, "
            f"one day's check {checked * 1000:.2f} ms of CPU "
            f"({len(found)} free dates found, first {found[0] if found else None})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, nargs="+", default=[0, 50, 200])
    parser.add_argument("--repeat", type=int, default=300)
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
