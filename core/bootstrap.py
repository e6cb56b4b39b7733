"""The core layer's builders: every program's composition root and the tests use these."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from core.booking.news import notify_parties
from core.clock import Clock, ShiftedClock, SystemClock
from core.db.engine import make_engine, make_session_factory
from core.deadlines import Deadlines
from core.settings import Settings
from core.support.decline_watch import watch_declines
from core.uow import UnitOfWorkFactory


@dataclass
class Core:
    """What every program builds first: its settings, the database and the clock."""

    settings: Settings
    engine: AsyncEngine
    uows: UnitOfWorkFactory
    clock: Clock

    async def close(self) -> None:
        await self.engine.dispose()


def build_uow_factory(engine: AsyncEngine, deadlines: Deadlines | None = None) -> UnitOfWorkFactory:
    """Units of work on ``engine`` whose domain events become outbox messages (and flags)."""
    return UnitOfWorkFactory(
        make_session_factory(engine), (notify_parties, watch_declines), deadlines
    )


def build_core(settings: Settings, *, clock: Clock | None = None) -> Core:
    """The database engine and its units of work, from settings; close it when done."""
    engine = make_engine(settings.database_url)
    uows = build_uow_factory(engine, settings.deadlines)
    return Core(settings, engine, uows, clock or SystemClock())


def serving_clock(settings: Settings) -> Clock:
    """The clock of `mounasabet serve`: the system's, or, where the sandbox may travel in
    time (``Settings.time_travel_on``), one the sandbox page can move forward."""
    return ShiftedClock() if settings.time_travel_on else SystemClock()
