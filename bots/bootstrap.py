"""The composition root: the one place that turns settings into working parts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from core.bootstrap import build_uow_factory
from core.clock import Clock, SystemClock
from core.db.engine import make_engine
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs.nlu.builtin import BuiltinParser
from dialogs.nlu.model import NluParser
from dialogs.nlu.rasa_adapter import RasaParser


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    uows: UnitOfWorkFactory
    clock: Clock
    nlu: NluParser

    async def close(self) -> None:
        if isinstance(self.nlu, RasaParser):
            await self.nlu.close()
        await self.engine.dispose()


def build_container(settings: Settings, *, clock: Clock | None = None) -> Container:
    engine = make_engine(settings.database_url)
    uows = build_uow_factory(engine)
    builtin = BuiltinParser()
    nlu: NluParser = (
        RasaParser(settings.rasa_url, fallback=builtin) if settings.rasa_url else builtin
    )
    return Container(
        settings=settings, engine=engine, uows=uows, clock=clock or SystemClock(), nlu=nlu
    )
