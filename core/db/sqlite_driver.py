"""SQLite through aiosqlite: most statements in the event loop's thread, the others in one
trip to aiosqlite's thread each.

aiosqlite runs the sqlite3 connection in a thread of its own; every call is a trip there
and back (a future, a queue, a wake-up of the event loop from that thread). SQLAlchemy's
adapter makes four trips a statement: make a cursor, execute, fetch the rows, close the
cursor. The driver's overhead dominated the booking steps' CPU (bench/README.md: ~0.3-0.6
ms a statement against microseconds of SQLite work). This cursor makes one trip that does
the four, in aiosqlite's own thread, the only one that touches the connection. Everything
else (connecting, commit, errors, streamed results) is SQLAlchemy's adapter as is, but for
two things:
- a rollback with no transaction open makes no trip: SQLAlchemy's pool rolls back every
  connection it takes back, after a commit too, so every transaction paid a trip for nothing;
- a whole write transaction can be run in one trip (`OneTripConnection.transaction`, the
  chat journal's group commit): BEGIN, its statements and COMMIT, where SQLAlchemy's
  transaction makes one trip for each, every one waiting for a turn of a busy event loop;
- this process's writers queue for the database first come, first served
  (`OneTripConnection.wait_for_writers`, before every BEGIN IMMEDIATE). SQLite lets one
  writer in at a time and makes the others poll, sleeping up to 100 ms between tries, so
  under load a writer could be passed over again and again: in the booking benchmark the
  waits for BEGIN IMMEDIATE added up to 55 s in a 6 s run, the longest 3.2 s. Writers of
  other processes still meet SQLite's own wait (busy_timeout).

Since then most statements make no trip at all: they run in the event loop's own thread
(`OneTripConnection.runs_here`), and so do COMMIT and ROLLBACK. A trip costs far more than
the SQLite work of a chat's statement: ~0.1-0.2 ms of CPU against tens of microseconds (a
future, a queue, waking the thread, handing the GIL over and back, waking the loop through
its pipe); without them the booking benchmark's CPU per update fell by a fifth to two
fifths (bench/README.md). The price: the loop waits while SQLite works, e.g. for the
occasional automatic checkpoint at a COMMIT (every 1,000 pages written). In WAL mode a
statement waits for no other connection but in the cases below, and those still go to the
thread, where waiting holds up nothing else:
- BEGIN IMMEDIATE while another process's writer holds the lock (and EXCLUSIVE, and the
  PRAGMAs run on connecting) waits for it: busy_timeout, up to 30 s. This process's
  writers queue before it, so the lock is nearly always free: BEGIN IMMEDIATE is tried
  here first, with SQLite's patience at zero (`OneTripConnection.begins_at_once`), and
  makes its trip only when SQLite answers that another process holds the lock. Once it
  holds the write lock, a transaction's writes and its COMMIT wait for nobody; readers
  never wait for writers.
- a statement marked as a long read (`core.db.engine.LONG_READ`, the catalog search):
  SQLite lets go of the GIL while it works, so in the thread the loop goes on serving
  other chats meanwhile;
- anything while a trip is still on its way (a cancelled task's statement may still run
  there): the connection is used by one thread at a time, in the order of its statements.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import weakref
from collections.abc import Callable, Sequence
from threading import Thread
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Done = tuple[Any, list[Any], int, int | None]  # description, rows, rowcount, lastrowid
# What may wait for another connection's lock (see the module's docstring).
_MAY_WAIT = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "PRAGMA")
_BEGIN_WRITE = "BEGIN IMMEDIATE"  # core/db/engine.py's writers
_NOTHING: _Done = (None, [], -1, None)  # what a statement without rows leaves
T = TypeVar("T")
# A statement and its parameters (qmark style) to its rows, [] when it returns none.
Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


def _run(
    trips: _Trips,
    ticket: int,
    connection: sqlite3.Connection,
    operation: str,
    parameters: Any,
    many: bool,
) -> _Done:
    """In aiosqlite's thread: the whole statement, on a cursor of its own."""
    try:
        return _statement(connection, operation, parameters, many)
    finally:
        trips.done = ticket


def _statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> _Done:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


async def _at_hand(result: T) -> T:
    return result


Ran = list[tuple[str, Sequence[Any]]]  # the statements a transaction ran, in order


def _transaction(
    trips: _Trips, ticket: int, connection: sqlite3.Connection, work: Callable[[Execute], T]
) -> tuple[T, Ran]:
    """In aiosqlite's thread: BEGIN IMMEDIATE (as core/db/engine.py's writers), ``work``,
    COMMIT; ROLLBACK if anything raised, and the error goes back to the caller."""
    ran: Ran = [("BEGIN IMMEDIATE", ())]

    def execute(operation: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        ran.append((operation, tuple(parameters)))
        return _statement(connection, operation, parameters, False)[1]

    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work(execute)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return result, ran
    finally:
        trips.done = ticket


class _Trips:
    """Trips sent to aiosqlite's thread and the last one it finished (tickets in order:
    its queue runs them first in, first out). Written by one thread each."""

    __slots__ = ("done", "sent")

    def __init__(self) -> None:
        self.sent = self.done = 0

    def ticket(self) -> int:
        self.sent += 1
        return self.sent

    def idle(self) -> bool:
        return self.done == self.sent


class _Writers:
    """The queue of this process's writers to one database: a lock per event loop (a loop
    can't wait on another's), taken before BEGIN IMMEDIATE and let go when the transaction
    ends (commit, rollback, or the connection closed)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs in the event loop's thread or in one trip to
    aiosqlite's (`OneTripConnection.runs_here`); its results are kept here."""

    __slots__ = ("_description", "_lastrowid", "_rowcount", "_size", "long_read")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No cursor is made in aiosqlite's thread: `_run` makes and closes its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._lastrowid: int | None = None
        self._rowcount, self._size = -1, 1
        self.long_read = False  # set per statement from LONG_READ (core/db/engine.py)

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]  # None until a row is inserted

    @property
    def arraysize(self) -> int:
        return self._size

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._size = value

    async def _async_soft_close(self) -> None:
        """Nothing is open in aiosqlite's thread: the rows are here already."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._here_or_there(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._here_or_there(operation, seq_of_parameters, many=True)

    def _here_or_there(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        try:
            if operation == _BEGIN_WRITE and connection.begins_at_once():
                done = await_(_at_hand(_NOTHING))
            elif self.long_read or not connection.runs_here(operation):
                await_(self._trip(operation, parameters, many=many))
                return
            else:
                # Awaited all the same, a result already at hand: SQLAlchemy's
                # AsyncConnection insists that a statement awaits something.
                done = await_(_at_hand(_statement(connection.sqlite, operation, parameters, many)))
        except Exception as error:
            connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = done
        self._rows = collections.deque(rows)

    def setinputsizes(self, *inputsizes: Any) -> None:
        """sqlite3 ignores sizes."""

    async def _trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            connection = self._connection
            trips: _Trips = self._adapt_connection.trips  # type: ignore[attr-defined]
            done: _Done = await connection._execute(  # aiosqlite's queue to its thread
                _run, trips, trips.ticket(), connection._conn, operation, parameters, many
            )
        self._description, rows, self._rowcount, self._lastrowid = done
        self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_writing", "trips")
    dbapi: OneTripDbapi
    _cursor_cls = OneTripCursor  # type: ignore[assignment]  # a subclass; mypy reads it exact

    # ``connection``: an aiosqlite.Connection (SQLAlchemy types it as its own protocol).
    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.trips = _Trips()
        self._writing: asyncio.Lock | None = None  # this process's writer lock, while held

    def wait_for_writers(self) -> None:
        """Before BEGIN IMMEDIATE (core/db/engine.py): this process's writers before this
        one go first. Held until the transaction ends."""
        if self._writing is None:
            lock = self.dbapi.writers.lock()
            await_(lock.acquire())
            self._writing = lock

    def _done_writing(self) -> None:
        lock, self._writing = self._writing, None
        if lock is not None:
            lock.release()

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection aiosqlite opened (with check_same_thread off)."""
        connection: sqlite3.Connection = self._connection._conn
        return connection

    def runs_here(self, operation: str) -> bool:
        """Whether a statement runs in the event loop's thread rather than making a trip
        (see the module's docstring): it can't wait for a lock, and no trip is under way."""
        return (
            self.trips.idle()
            and not self._execute_mutex.locked()
            and not operation.startswith(_MAY_WAIT)
        )

    def begins_at_once(self) -> bool:
        """BEGIN IMMEDIATE here and now if no other process holds the write lock (this
        process's writers queue before it: `wait_for_writers`), which is nearly always:
        True. False, and nothing begun, if it would have to wait: then it makes its trip
        and waits there (busy_timeout). The trip cost several times what BEGIN does,
        and each write transaction made one."""
        if not (self.trips.idle() and not self._execute_mutex.locked()):
            return False
        raw = self.sqlite
        waits = raw.execute("PRAGMA busy_timeout").fetchone()[0]
        raw.execute("PRAGMA busy_timeout=0")  # SQLite's own try-lock: SQLITE_BUSY at once
        try:
            raw.execute(_BEGIN_WRITE)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
            return False
        finally:
            raw.execute(f"PRAGMA busy_timeout={int(waits)}")
        return True

    def commit(self) -> None:
        try:
            if self.runs_here("COMMIT"):
                try:
                    self.sqlite.commit()
                except Exception as error:
                    self._handle_exception(error)
            else:
                super().commit()
        finally:
            self._done_writing()

    def rollback(self) -> None:
        try:
            # Skipped only when nothing is open and no statement is on its way to the
            # thread: a statement of a cancelled task may still run there, its BEGIN too.
            raw: sqlite3.Connection | None = self._connection._connection
            if raw is not None and self.trips.idle() and not raw.in_transaction:
                return
            if raw is not None and self.runs_here("ROLLBACK"):
                try:
                    raw.rollback()
                except Exception as error:
                    self._handle_exception(error)
            else:
                super().rollback()
        finally:
            self._done_writing()

    def close(self) -> None:
        self._done_writing()
        super().close()

    def terminate(self) -> None:
        self._done_writing()
        super().terminate()

    async def transaction(self, work: Callable[[Execute], T]) -> tuple[T, Ran]:
        """``work`` given a way to run statements, in one write transaction (BEGIN
        IMMEDIATE ... COMMIT) and one trip to aiosqlite's thread. It runs in that thread:
        plain computing and statements, nothing of the event loop's. Returns its result
        and the statements it ran."""
        async with self.dbapi.writers.lock(), self._execute_mutex:
            connection = self._connection
            trips = self.trips
            done: tuple[T, Ran] = await connection._execute(
                _transaction, trips, trips.ticket(), connection._conn, work
            )
            return done


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect is given (``create_engine(module=)``)."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.writers = _Writers()  # one module per engine: one queue per database

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        creator_fn = kw.pop("async_creator_fn", None)
        # The statements that make no trip run in the event loop's thread, never at the
        # same time as one in aiosqlite's (`runs_here`).
        kw["check_same_thread"] = False
        connection = creator_fn(*arg, **kw) if creator_fn else aiosqlite.connect(*arg, **kw)
        thread = connection if isinstance(connection, Thread) else connection._thread
        thread.daemon = True  # as SQLAlchemy's: a forgotten connection never holds up exit
        return OneTripConnection(self, await_(connection))
