"""The admin tool's composition root: core only (payment links are built by the command
that signs them).

No channel, no dialog engine, no NLU: listing bookings must not pay for what serving
chats needs (the import-linter contracts keep ``bots`` and ``dialogs.nlu`` out).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from core.bootstrap import build_uow_factory
from core.clock import Clock, SystemClock
from core.db.engine import make_engine
from core.settings import Settings
from core.uow import UnitOfWorkFactory


@dataclass
class AdminParts:
    settings: Settings
    engine: AsyncEngine
    uows: UnitOfWorkFactory
    clock: Clock

    async def close(self) -> None:
        await self.engine.dispose()


def build_admin(settings: Settings, *, clock: Clock | None = None) -> AdminParts:
    """What one admin command needs, from settings; close it when the command ends."""
    engine = make_engine(settings.database_url)
    return AdminParts(
        settings=settings,
        engine=engine,
        uows=build_uow_factory(engine),
        clock=clock or SystemClock(),
    )
