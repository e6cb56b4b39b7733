"""Unit of work: one database transaction per update, job or command.

Services record domain events on the unit of work; on commit they are turned into
outbox messages inside the same transaction, so a state change and the news of it are
written together or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain.events import DomainEvent

EventHandler = Callable[[AsyncSession, DomainEvent], Awaitable[None]]


class UnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        event_handlers: tuple[EventHandler, ...] = (),
    ) -> None:
        self._factory = session_factory
        self._handlers = event_handlers
        self._session: AsyncSession | None = None
        self.events: list[DomainEvent] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._factory()
        self.events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            await session.rollback()
        finally:
            await session.close()

    def record(self, event: DomainEvent) -> None:
        self.events.append(event)

    async def commit(self) -> None:
        session = self.session
        await session.flush()
        while self.events:
            event = self.events.pop(0)
            for handler in self._handlers:
                await handler(session, event)
        await session.commit()

    async def rollback(self) -> None:
        self.events.clear()
        await self.session.rollback()


class UnitOfWorkFactory:
    """Makes a fresh UnitOfWork per use; never share one across updates."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        event_handlers: tuple[EventHandler, ...] = (),
    ) -> None:
        self.session_factory = session_factory
        self.event_handlers = event_handlers

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.event_handlers)
