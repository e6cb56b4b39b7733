"""The core layer's builders: every program's composition root and the tests use these."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from core.booking.news import notify_parties
from core.db.engine import make_session_factory
from core.uow import UnitOfWorkFactory


def build_uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    """Units of work on ``engine`` whose domain events become outbox messages."""
    return UnitOfWorkFactory(make_session_factory(engine), (notify_parties,))
