"""The database of the Telegram webhook benchmark's own bot: prepared before each
measurement, watched until the outbox is quiet, and read afterwards to check the load did
what it should (bench/README.md, "Telegram webhook")."""

from __future__ import annotations

import asyncio
import dataclasses

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.telegram_mixes import Mix, seed
from core.bootstrap import build_uow_factory
from core.clock import SystemClock
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.db.tables import Base
from core.scheduling.registry import SWEEPS
from demo import seed_demo
from demo.catalogue import catalogue
from demo.providers import add_provider
from tests.fakes import FakeUser

EXTRA_PHOTOGRAPHERS = 12  # Rabat photographers next to the demo's: results span 3 pages


async def prepare_database(url: str, mix: Mix, people: list[FakeUser]) -> dict[int, dict[str, str]]:
    """Migrated, emptied, then the demo marketplace plus photographers enough for paging,
    and what the mix needs (its values for the chats' scripts are returned)."""
    upgrade(url)
    engine = make_engine(url)
    try:
        if not url.startswith("sqlite"):
            await refuse_foreign_data(engine)
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        uows = build_uow_factory(engine)
        now = SystemClock().now()
        await seed_demo(uows, now=now)
        cat = catalogue()
        model = next(p for p in cat.providers if p.services[0].category == "photographer")
        for n in range(EXTRA_PHOTOGRAPHERS):
            clone = dataclasses.replace(model, slug=f"bench-photo-rabat-{n:02d}", cities=("rabat",))
            await add_provider(uows, clone, domain=cat.domain, now=now, seed=n)
        return await seed(mix, uows, people)
    finally:
        await engine.dispose()


async def refuse_foreign_data(engine: AsyncEngine) -> None:
    """Empty a PostgreSQL database only if it is empty or was filled by this benchmark."""
    async with engine.connect() as conn:
        users = await conn.scalar(text("SELECT count(*) FROM users"))
        ours = await conn.scalar(
            text("SELECT count(*) FROM providers WHERE slug LIKE 'bench-photo-rabat-%'")
        )
    if users and not ours:
        raise SystemExit("refused: this database holds data the benchmark did not make")


async def bookings_by_state(url: str) -> dict[str, int]:
    """The bench providers' bookings: what the booking and provider loads must change."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT b.state, count(*) FROM bookings b JOIN providers p"
                    " ON p.id = b.provider_id WHERE p.slug LIKE 'bench-%' GROUP BY b.state"
                )
            )
            return {str(state): int(n) for state, n in rows}
    finally:
        await engine.dispose()


def load_done(mix: Mix, before: dict[str, int], after: dict[str, int], chats: int) -> bool:
    """Every chat's booking reached "request sent", or every provider's two bookings moved."""
    if mix.name == "booking":
        return after.get("requested", 0) - before.get("requested", 0) == chats
    if mix.name == "provider":
        return after.get("accepted", 0) == chats and after.get("delivered", 0) == chats
    return True


async def sweeps_ran_once(db_url: str, timeout_s: float = 60) -> bool:
    """Wait until the bot's worker has run each of its sweeps once (the first runs come 5 s
    after its start, staggered): their one-off work on the seeded bookings, such as the
    provider mix's prompts to mark yesterday's events delivered, is done before the clock
    starts rather than billed to whichever step it falls in. False if it took too long."""
    engine = make_engine(db_url)
    try:
        for _ in range(int(timeout_s * 10)):
            async with engine.connect() as conn:
                ran = await conn.scalar(
                    text("SELECT count(*) FROM scheduler_sweeps WHERE last_finished_at IS NOT NULL")
                )
            if (ran or 0) >= len(SWEEPS):
                return True
            await asyncio.sleep(0.1)
        return False
    finally:
        await engine.dispose()


async def outbox_settled(db_url: str) -> None:
    """Let the app's outbox worker go through the demo's old news before the clock starts."""
    engine = make_engine(db_url)
    try:
        for _ in range(600):
            async with engine.connect() as conn:
                due = await conn.scalar(
                    text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
                )
            if not due:
                return
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
