"""Unit of work: one database transaction per update, job or command.

Services record domain events on the unit of work; on commit they are turned into
outbox messages inside the same transaction, so a state change and the news of it are
written together or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    async_sessionmaker,
)
from sqlalchemy.orm import ORMExecuteState, Session

from core.db.engine import AppSession
from core.db.tables import Provider
from core.deadlines import Deadlines
from core.events import DomainEvent

# Handed the events recorded since the last publish, in the order recorded: a handler
# may write what they call for together (a sweep's batch of 200 in one statement).
EventHandler = Callable[[AsyncSession, Sequence[DomainEvent]], Awaitable[None]]
_TOUCHED = "touched_rows"
_OWNERS = "touched_providers"


@dataclass(frozen=True, slots=True)
class Committed:
    """What a committed unit of work wrote, for caches of reads: per table, the primary
    keys of the rows it wrote through the ORM, or None where a statement wrote rows it
    did not name."""

    writes: Mapping[str, frozenset[Any] | None]
    # Per table, the providers whose rows it wrote through the ORM (a booking's, a
    # service's, a provider's own id); a table missing here: unknown (a statement).
    providers: Mapping[str, frozenset[int]] = field(default_factory=dict)

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(self.writes)

    def providers_of(self, tables: Iterable[str]) -> frozenset[int] | None:
        """The providers the writes to ``tables`` concern, or None if any is unknown."""
        found: set[int] = set()
        for table in tables:
            owners = self.providers.get(table)
            if owners is None:
                return None
            found |= owners
        return frozenset(found)


CommitHook = Callable[[Committed], None]


def _touched(session: Session) -> dict[str, set[Any] | None]:
    touched: dict[str, set[Any] | None] = session.info.setdefault(_TOUCHED, {})
    return touched


def _owners(session: Session) -> dict[str, set[int] | None]:
    owners: dict[str, set[int] | None] = session.info.setdefault(_OWNERS, {})
    return owners


@event.listens_for(AppSession, "after_flush")
def _note_flushed(session: Session, _context: Any) -> None:
    touched, owners = _touched(session), _owners(session)
    for obj in chain(session.new, session.dirty, session.deleted):
        table, state = obj.__table__.name, inspect(obj)
        identity = state.identity
        keys = touched.setdefault(table, set())
        if keys is not None:
            keys.add(identity[0] if identity and len(identity) == 1 else identity)
        providers = owners.setdefault(table, set())
        # What is loaded only (state.dict): reading an attribute could load it, mid-flush.
        owner = identity[0] if isinstance(obj, Provider) and identity else None
        owner = owner or state.dict.get("provider_id")
        if providers is not None:
            if isinstance(owner, int):
                providers.add(owner)
            else:
                owners[table] = None  # a row of nobody's: unknown


@event.listens_for(AppSession, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _touched(state.session)[table.name] = None  # which rows: unknown
            _owners(state.session)[table.name] = None


class UnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        event_handlers: tuple[EventHandler, ...] = (),
        after_commit: list[CommitHook] | None = None,
        deadlines: Deadlines | None = None,
    ) -> None:
        self.deadlines = deadlines or Deadlines()
        self._factory = session_factory
        self._handlers = event_handlers
        self._after_commit = after_commit or []
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

    def note_written(self, written: Committed) -> None:
        """Writes made past the session (plain statements on its connection, in one go):
        caches hear of them at commit as of the ORM's."""
        session = self.session.sync_session
        touched, owners = _touched(session), _owners(session)
        for table, keys in written.writes.items():
            rows = touched.get(table, set())  # None: some rows already unknown
            touched[table] = None if rows is None or keys is None else rows | keys
            whose, providers = owners.get(table, set()), written.providers.get(table)
            owners[table] = None if whose is None or providers is None else whose | providers

    def record(self, event: DomainEvent) -> None:
        self.events.append(event)

    def savepoint(self) -> AsyncSessionTransaction:
        """``async with uow.savepoint():`` an error inside undoes the block's writes only,
        not the whole unit of work's (the events it recorded are the caller's to drop)."""
        return self.session.begin_nested()

    async def publish(self) -> None:
        """Hand the events recorded so far to their handlers now, in order (commit does it
        too): news queued before what the service writes next comes before it."""
        session = self.session
        await session.flush()
        events, self.events = self.events, []
        if events:
            for handler in self._handlers:
                await handler(session, events)

    async def commit(self) -> None:
        session = self.session
        await self.publish()
        await session.commit()
        touched = session.info.pop(_TOUCHED, None)
        owners = session.info.pop(_OWNERS, None) or {}
        if touched:
            committed = Committed(
                {t: None if keys is None else frozenset(keys) for t, keys in touched.items()},
                {t: frozenset(ids) for t, ids in owners.items() if ids is not None},
            )
            for hook in self._after_commit:
                hook(committed)

    async def rollback(self) -> None:
        self.events.clear()
        self.session.info.pop(_TOUCHED, None)
        self.session.info.pop(_OWNERS, None)
        await self.session.rollback()


class UnitOfWorkFactory:
    """Makes a fresh UnitOfWork per use; never share one across updates."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        event_handlers: tuple[EventHandler, ...] = (),
        deadlines: Deadlines | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.event_handlers = event_handlers
        self.deadlines = deadlines or Deadlines()
        self.after_commit: list[CommitHook] = []

    @property
    def engine(self) -> AsyncEngine:
        bind = self.session_factory.kw["bind"]
        assert isinstance(bind, AsyncEngine)
        return bind

    def committed_elsewhere(self, committed: Committed) -> None:
        """Writes committed past a unit of work (a booking request or a provider's answer
        in the chat journal's batch, a payment link's steps), told to the hooks a unit of
        work's commit tells."""
        for hook in self.after_commit:
            hook(committed)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(
            self.session_factory, self.event_handlers, self.after_commit, self.deadlines
        )
