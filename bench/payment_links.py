"""Benchmark of a payment link: what making one costs (the outbox worker makes one before
every acceptance's news, "Pay" before its step's transaction).

Run ``python -m bench.payment_links`` (SQLite, in a temporary file; ``--links 300``). One
photographer and one client; ``--links`` requests, each accepted, then a deposit link made
for each in turn through `PaymentLinks.ensure` with the offline gateway (no network: what
is measured is our side, the three steps of core/payments/checkout_links.py and the check
before them). The CPU time per link and the statements per link are reported. See
bench/README.md, "Payment links".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.telegram_report import cpu_model
from core.booking.actions import apply_action
from core.booking.actors import Actor
from core.booking.request import RequestBooking, request_booking
from core.booking.states import Action, Role
from core.catalog.vocabulary import MARKET_TZ
from core.clock import FixedClock
from core.db.engine import make_engine, make_session_factory
from core.db.tables import Base, Payment
from core.payments.links import PaymentLinks
from core.uow import UnitOfWorkFactory
from payments.offline_gateway import OfflineGateway
from tests.support.factories import make_provider, make_user
from tests.support.statements import statements_on

WARM_UP = 20  # links made first: statements compiled and cached


async def accepted(uows: UnitOfWorkFactory, now: datetime, n: int) -> list[int]:
    """``n`` accepted requests of one client at one photographer, on consecutive days."""
    owner, _, service_id = await make_provider(uows, now, slug="linked-studio")
    client = await make_user(uows, now)
    first = now.astimezone(MARKET_TZ).date() + timedelta(days=7)
    ids = []
    for k in range(n):
        cmd = RequestBooking(
            client_id=client,
            service_id=service_id,
            event_type="wedding",
            day=first + timedelta(days=k),
            city="rabat",
        )
        async with uows() as uow:
            booking = await request_booking(uow, cmd, now=now)
            await apply_action(uow, booking.id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
            await uow.commit()
            ids.append(booking.id)
    return ids


async def measure(links: int) -> tuple[float, float, int]:
    """CPU per link, statements per link, and the links stored (checked: one each)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'links.db'}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        uows = UnitOfWorkFactory(make_session_factory(engine))
        clock = FixedClock(datetime.now(UTC))
        try:
            ids = await accepted(uows, clock.now(), links + WARM_UP)
            maker = PaymentLinks(uows, OfflineGateway("http://127.0.0.1:8080"), clock)
            for booking_id in ids[:WARM_UP]:
                await maker.ensure(booking_id, "deposit")
            started = time.process_time()
            with statements_on(engine) as sent:
                for booking_id in ids[WARM_UP:]:
                    await maker.ensure(booking_id, "deposit")
            cpu = (time.process_time() - started) / links
            async with uows() as uow:
                stored = await uow.session.scalar(select(func.count()).select_from(Payment))
        finally:
            await engine.dispose()
    return cpu, len(sent) / links, int(stored or 0)


async def run(args: argparse.Namespace) -> int:
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {os.getloadavg()[0]:.1f}"
    )
    for round_ in range(1, args.rounds + 1):
        cpu, statements, stored = await measure(args.links)
        print(
            f"round {round_}: {args.links} deposit links, {cpu * 1000:.2f} ms of CPU and "
            f"{statements:.1f} statements (BEGINs included) per link; {stored} payments stored"
        )
        if stored != args.links + WARM_UP:
            print("error: not one payment per link")
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
