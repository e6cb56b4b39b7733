"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, make_transient_to_detached

from core.db.sqlite_driver import Execute, OneTripConnection, OneTripCursor, OneTripDbapi, Ran

T = TypeVar("T")

# Execution option for connections that only read: `session.connection(execution_options=
# {READ_ONLY: True})` or `await conn.execution_options(**{READ_ONLY: True})` before the
# first statement. On SQLite their transaction does not take the write lock.
READ_ONLY = "mounasabet_read_only"
# Execution option for a statement that may read many rows (`session.execute(stmt,
# execution_options={LONG_READ: True})`). On SQLite it runs in the driver's thread, so
# the event loop serves other requests while SQLite works (core/db/sqlite_driver.py).
LONG_READ = "mounasabet_long_read"
# SQLite connections kept open, for as many sessions as the web process has under way at
# once (a webhook's step holds one while it waits its turn to write). SQLAlchemy's default
# keeps 5 and closes any other as it comes back: under 50 chats at once the provider
# benchmark opened and closed a connection every fourth update, each paying aiosqlite's
# thread, five PRAGMAs and a cold page cache, a quarter of its CPU (bench/README.md). Taken
# last in, first out, so that a quiet process works on the same few warm connections.
SQLITE_POOL_SIZE = 64
# PostgreSQL's connections, one server process each, opened at a cost on both sides: kept,
# and no more opened beyond them (a session waits for one to come back). With the default
# (5, and 10 more opened and closed as needed) the provider benchmark on PostgreSQL opened
# 599 connections in 1,600 updates; with 20 and no overflow, 20, and its CPU per update
# fell from 12.4 to 8.7 ms. Three processes (README: two web, one worker) hold 60 of
# PostgreSQL's default 100.
POSTGRES_POOL_SIZE = 20


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Build an engine; SQLite gets foreign keys, WAL and write-serialising transactions."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        if ":memory:" not in url and "mode=memory" not in url:
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", SQLITE_POOL_SIZE)
            kwargs.setdefault("pool_use_lifo", True)
        if url.startswith("sqlite+aiosqlite"):
            kwargs.setdefault("module", OneTripDbapi())  # most statements in the loop, no trip
        engine = create_async_engine(url, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_use_lifo", True)
    if url.startswith("postgresql+asyncpg"):
        # No JIT: it pays off for long analytic queries only. PostgreSQL starts it from a
        # plan's estimated cost (jit_above_cost), and a broad catalog search estimated
        # high spent 67 ms compiling to save a few (bench/README.md, search).
        connect_args = dict(kwargs.get("connect_args", {}))
        connect_args["server_settings"] = {"jit": "off", **connect_args.get("server_settings", {})}
        kwargs["connect_args"] = connect_args
    return create_async_engine(url, **kwargs)


async def write_in_one_go(engine: AsyncEngine, work: Callable[[Execute], T]) -> T:
    """``work`` in one write transaction, given a way to run plain SQL (in the driver's
    parameter style: ``?`` on SQLite, ``$n`` on PostgreSQL) that returns the rows.

    On SQLite the whole transaction is one trip to aiosqlite's thread, and ``work`` runs
    in that thread: it computes and runs statements, nothing else (no await, no event loop).
    On PostgreSQL every statement is a round trip to the server anyway: ``work`` runs in
    SQLAlchemy's greenlet, statement by statement. Either way it commits if ``work``
    returns and rolls back if it raises."""
    async with engine.connect() as conn:
        fairy = await conn.get_raw_connection()
        if isinstance(fairy.dbapi_connection, OneTripConnection):
            result, ran = await fairy.dbapi_connection.transaction(work)
            _told_afterwards(conn.sync_connection, ran)
            return result
        async with conn.begin():
            return await conn.run_sync(_statement_by_statement, work)


def _told_afterwards(conn: Connection | None, ran: Ran) -> None:
    """The statements a trip ran, told to SQLAlchemy's ``before_cursor_execute`` listeners
    (what counts statements: tests, bench/search_explain.py) once it is back: they ran in
    the database's thread, past SQLAlchemy. Without a cursor or a context."""
    if conn is None or not conn.dispatch.before_cursor_execute:
        return
    for statement, parameters in ran:
        conn.dispatch.before_cursor_execute(conn, None, statement, parameters, None, False)


def _statement_by_statement(conn: Connection, work: Callable[[Execute], T]) -> T:
    return work(execute_on(conn))


def execute_on(conn: Connection) -> Execute:
    """Plain SQL (the driver's parameter style) on a connection, returning its rows."""

    def execute(statement: str, parameters: Any) -> list[tuple[Any, ...]]:
        result = conn.exec_driver_sql(statement, tuple(parameters))
        return [tuple(row) for row in result] if result.returns_rows else []

    return execute


async def write_with_connection(engine: AsyncEngine, work: Callable[[Connection], T]) -> T:
    """``work`` in one write transaction, given the connection itself, for plain SQL and
    SQLAlchemy's statements alike (`execute_on`), in one switch to its greenlet. On SQLite
    its statements run in the event loop's thread (core/db/sqlite_driver.py) rather than
    all in one trip to the database's, as `write_in_one_go`'s do. It commits if ``work``
    returns and rolls back if it raises."""
    async with engine.connect() as conn, conn.begin():
        return await conn.run_sync(work)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: the catalog fits in memory
        cur.close()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _long_read(
        _conn: Any, cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
    ) -> None:
        # The driver runs a statement in the event loop's thread unless it is told this one
        # may read for long (core/db/sqlite_driver.py).
        if isinstance(cursor, OneTripCursor) and context is not None:
            cursor.long_read = bool(context.execution_options.get(LONG_READ))

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout
        # instead of both reading, then one failing to upgrade its lock. A connection that
        # only reads (READ_ONLY) begins DEFERRED and never waits for a writer.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        driver = conn.connection.dbapi_connection
        if isinstance(driver, OneTripConnection):
            driver.wait_for_writers()  # this process's writers in turn, not SQLite's polling
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class AppSession(Session):
    """The project's own sessions: the unit of work's listeners attach to this class only,
    so a library's or a script's plain Session in the same process is left alone."""


# A session's identity map holds its rows weakly: a row a step read and let go of (the
# booking a check looked at, the provider an ownership test loaded) is read again by the
# next `session.get` of the same transaction, e.g. by the news handler at commit (two
# statements per booking action, measured). The rows a transaction reads stay referenced
# until it ends, as SQLAlchemy's "strong reference" recipe does; a read under a lock still
# reads afresh (populate_existing, set on every locked read below).
_HELD = "held_rows"


@event.listens_for(AppSession, "loaded_as_persistent")
@event.listens_for(AppSession, "pending_to_persistent")
@event.listens_for(AppSession, "detached_to_persistent")
def _hold(session: Session, instance: object) -> None:
    held = session.info.get(_HELD)
    if held is None:
        session.info[_HELD] = held = []
    held.append(instance)


@event.listens_for(AppSession, "do_orm_execute")
def _locked_reads_read_afresh(state: ORMExecuteState) -> None:
    # What the lock protects is what the checks after it must see: a row this transaction
    # read before (and now holds) is refreshed by its locked read, not returned as it was.
    # As get_booking does: this transaction's own changes are flushed first (sessions do
    # not autoflush), so the refresh keeps them instead of overwriting them.
    if state.is_select and getattr(state.statement, "_for_update_arg", None) is not None:
        state.session.flush()
        state.update_execution_options(populate_existing=True)


@event.listens_for(AppSession, "after_transaction_end")
def _let_go(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction itself, not a savepoint in it
        session.info.pop(_HELD, None)


def attach_written(session: AsyncSession, row: T) -> T:
    """``row``, just written by a plain INSERT with every column given, made one of the
    session's rows as if read back (no statement): what reads it next in the transaction
    (the news at commit) finds it in the identity map instead of reading it again."""
    make_transient_to_detached(row)
    session.add(row)
    return row


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine, sync_session_class=AppSession, expire_on_commit=False, autoflush=False
    )


async def read_only(session: AsyncSession) -> AsyncSession:
    """Mark a fresh session as read only (see READ_ONLY) and return it."""
    await session.connection(execution_options={READ_ONLY: True})
    return session
