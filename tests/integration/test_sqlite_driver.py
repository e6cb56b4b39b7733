"""SQLite's statements run in the event loop's thread, but for those that may wait for
another connection's lock (BEGIN IMMEDIATE while another process writes) or read for long
(LONG_READ), which take one trip to aiosqlite's thread each (core/db/sqlite_driver.py).
They behave as SQLAlchemy's own aiosqlite adapter's: rows, counts, new keys and errors; a
rollback with nothing open does nothing, a whole write transaction can take one trip, the
process's writers queue for the database in order, and another process's writer holds up
no one but the writers."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Integer, String, event, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.db.engine import LONG_READ, READ_ONLY, make_engine, write_in_one_go
from core.db.sqlite_driver import Execute, OneTripConnection


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call queued to aiosqlite's thread, by the function's name."""
    seen: list[str] = []
    queue: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute  # untyped upstream

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await queue(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def test_a_statement_makes_no_trip_unless_it_may_read_for_long(
    engine: AsyncEngine, trips: list[str]
) -> None:
    async with engine.connect() as conn:
        await conn.execute(select(1))  # the connection and its BEGIN first
        trips.clear()
        assert (await conn.execute(text("SELECT 40 + 2"))).scalar() == 42
        assert trips == []
        long = await conn.execute(text("SELECT 6 * 7"), execution_options={LONG_READ: True})
        assert long.scalar() == 42
        assert trips == ["_run"]


async def test_rows_counts_and_new_keys(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        made = await conn.execute(insert(_Row).values(name="a").returning(_Row.id))
        assert made.scalar_one() == 1
        many = await conn.execute(insert(_Row), [{"name": "b"}, {"name": "c"}, {"name": "d"}])
        assert many.rowcount == 3
        plain = await conn.execute(text("INSERT INTO rows (name) VALUES ('e')"))
        assert plain.lastrowid == 5
        changed = await conn.execute(update(_Row).where(_Row.id > 2).values(name=_Row.name + "!"))
        assert changed.rowcount == 3
    async with engine.connect() as conn:
        names = (await conn.execute(select(_Row.name).order_by(_Row.id))).scalars().all()
        assert names == ["a", "b", "c!", "d!", "e!"]
        some = await conn.execute(select(_Row.id).order_by(_Row.id))
        assert some.fetchmany(2) == [(1,), (2,)]
        assert [r[0] for r in some.fetchall()] == [3, 4, 5]


async def test_errors_are_the_database_s(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(_Row).values(name="same"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(_Row).values(name="same"))
    with pytest.raises(OperationalError):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT * FROM no_such_table"))
    async with engine.connect() as conn:  # the pool's connection still serves
        assert (await conn.execute(select(_Row.name))).scalars().all() == ["same"]


async def test_streamed_results_still_stream(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(_Row), [{"name": f"n{i}"} for i in range(50)])
    async with engine.connect() as conn:
        stream = await conn.stream(select(_Row.id).order_by(_Row.id))
        assert [row[0] async for row in stream] == list(range(1, 51))


async def test_a_committed_transaction_is_not_rolled_back_again(
    engine: AsyncEngine, trips: list[str]
) -> None:
    """The pool rolls back what it takes back; with nothing open that costs no trip."""
    async with engine.begin() as conn:
        await conn.execute(insert(_Row).values(name="kept"))
    assert trips == []  # BEGIN IMMEDIATE (the lock was free), the INSERT and the COMMIT
    trips.clear()
    async with engine.connect() as conn:  # a read's transaction is still ended
        await conn.execute(select(_Row.name))
        adapter = (await conn.get_raw_connection()).dbapi_connection
        assert isinstance(adapter, OneTripConnection)
        assert adapter.sqlite.in_transaction
    assert trips == []  # BEGIN IMMEDIATE, the SELECT and the ROLLBACK ran here
    assert not adapter.sqlite.in_transaction
    trips.clear()
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})
        await conn.execute(select(_Row.name))
    assert trips == []  # a read-only BEGIN is deferred: it waits for nobody
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert raw.driver_connection is not None
        assert await raw.driver_connection.execute_fetchall("SELECT name FROM rows") == [("kept",)]


async def test_a_whole_transaction_in_one_trip(engine: AsyncEngine, trips: list[str]) -> None:
    def work(execute: Execute) -> list[tuple[Any, ...]]:
        execute("INSERT INTO rows (name) VALUES (?)", ["one"])
        execute("INSERT INTO rows (name) VALUES (?)", ["two"])
        assert execute("UPDATE rows SET name = name || '!' WHERE name = ?", ["two"]) == []
        return execute("SELECT id, name FROM rows ORDER BY id", [])

    assert await write_in_one_go(engine, work) == [(1, "one"), (2, "two!")]
    assert trips == ["_transaction"]
    async with engine.connect() as conn:
        names = (await conn.execute(select(_Row.name).order_by(_Row.id))).scalars().all()
    assert names == ["one", "two!"]


async def test_a_transaction_in_one_trip_that_fails_leaves_nothing(engine: AsyncEngine) -> None:
    def work(execute: Execute) -> None:
        execute("INSERT INTO rows (name) VALUES (?)", ["first"])
        execute("INSERT INTO rows (name) VALUES (?)", ["first"])  # unique: refused

    with pytest.raises(sqlite3.IntegrityError):
        await write_in_one_go(engine, work)
    async with engine.begin() as conn:  # the connection is usable: nothing left open
        await conn.execute(insert(_Row).values(name="after"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(_Row.name))).scalars().all() == ["after"]


async def test_a_cancelled_statement_s_transaction_is_still_rolled_back(
    engine: AsyncEngine, trips: list[str]
) -> None:
    """A task cancelled while its BEGIN is on the way to the thread: the rollback that
    follows must not be skipped (the BEGIN may run after it is looked at)."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        adapter = raw.dbapi_connection
        assert isinstance(adapter, OneTripConnection)
        adapter.trips.ticket()  # a trip sent and not finished, as a cancelled one's
        assert not adapter.trips.idle()
        trips.clear()
    assert trips == ["rollback"]  # not skipped
    async with engine.begin() as conn:
        await conn.execute(insert(_Row).values(name="fine"))
    assert adapter.trips.idle()  # the next trip's end caught up


@pytest.fixture
async def impatient(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine whose SQLite gives up on a locked database after 20 ms: a writer that
    waits longer than that waited in this process's queue, not in SQLite's polling."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}")

    @event.listens_for(engine.sync_engine, "connect")
    def _impatient(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=20")
        cur.close()

    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    yield engine
    await engine.dispose()


async def test_writers_of_one_process_queue_in_order(impatient: AsyncEngine) -> None:
    order: list[str] = []
    first_in = asyncio.Event()

    async def writer(name: str, hold: float = 0.0) -> None:
        async with impatient.begin() as conn:
            await conn.execute(insert(_Row).values(name=name))
            order.append(name)
            first_in.set()
            await asyncio.sleep(hold)  # longer than SQLite would wait

    first = asyncio.create_task(writer("a", hold=0.2))
    await first_in.wait()
    later = []
    for name in ("b", "c", "d"):
        later.append(asyncio.create_task(writer(name)))
        await asyncio.sleep(0.01)  # they ask in this order
    await asyncio.gather(first, *later)
    assert order == ["a", "b", "c", "d"]


async def test_a_one_trip_transaction_waits_its_turn_too(impatient: AsyncEngine) -> None:
    def work(execute: Execute) -> None:
        execute("INSERT INTO rows (name) VALUES (?)", ["journal"])

    async with impatient.begin() as conn:
        await conn.execute(insert(_Row).values(name="first"))
        queued = asyncio.create_task(write_in_one_go(impatient, work))
        await asyncio.sleep(0.1)  # five times SQLite's patience
        assert not queued.done()
    await queued
    async with impatient.connect() as conn:
        names = (await conn.execute(select(_Row.name).order_by(_Row.id))).scalars().all()
    assert names == ["first", "journal"]


async def test_a_writer_that_fails_or_is_closed_lets_the_next_in(impatient: AsyncEngine) -> None:
    with pytest.raises(IntegrityError):
        async with impatient.begin() as conn:
            await conn.execute(insert(_Row).values(name="x"))
            await conn.execute(insert(_Row).values(name="x"))  # rolled back
    conn = await impatient.connect()
    await conn.begin()
    await conn.execute(insert(_Row).values(name="dropped"))
    await conn.invalidate()  # the connection is thrown away mid-transaction
    await conn.close()
    async with asyncio.timeout(5), impatient.begin() as conn:
        await conn.execute(insert(_Row).values(name="next"))
    async with impatient.connect() as conn:
        assert (await conn.execute(select(_Row.name))).scalars().all() == ["next"]


async def test_another_process_s_writer_holds_up_only_the_writers(
    engine: AsyncEngine, tmp_path: Path, trips: list[str]
) -> None:
    """While another process holds the write lock, this one's BEGIN IMMEDIATE finds it
    taken at once and waits for it in aiosqlite's thread: the event loop goes on, and
    readers read (WAL). SQLite's patience is as it was, after both."""
    async with engine.begin() as conn:
        await conn.execute(insert(_Row).values(name="before"))
    other = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO rows (name) VALUES ('other')")

    async def write() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(_Row).values(name="ours"))

    trips.clear()
    writer = asyncio.create_task(write())
    ticks = 0
    for _ in range(20):  # 0.2 s of the loop's own work while the writer waits
        await asyncio.sleep(0.01)
        ticks += 1
    assert trips == ["_run"]  # the BEGIN IMMEDIATE, waiting there
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})
        assert (await conn.execute(select(_Row.name))).scalars().all() == ["before"]
    assert ticks == 20 and not writer.done()
    other.execute("COMMIT")
    other.close()
    async with asyncio.timeout(5):
        await writer
    async with engine.connect() as conn:
        names = (await conn.execute(select(_Row.name).order_by(_Row.id))).scalars().all()
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 30000
    assert names == ["before", "other", "ours"]
    trips.clear()
    async with engine.begin() as conn:  # the lock free again: no trip
        await conn.execute(insert(_Row).values(name="again"))
        assert trips == []
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 30000


async def test_a_statement_behind_a_trip_under_way_takes_the_trip_too(
    engine: AsyncEngine, trips: list[str]
) -> None:
    """A cancelled task's statement may still be on its way to aiosqlite's thread: the
    next statement queues behind it there, never beside it in the loop's thread."""
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})
        await conn.execute(select(1))
        adapter = (await conn.get_raw_connection()).dbapi_connection
        assert isinstance(adapter, OneTripConnection)
        adapter.trips.ticket()  # a trip sent and not finished, as a cancelled one's
        trips.clear()
        assert (await conn.execute(text("SELECT 2"))).scalar() == 2
        assert trips == ["_run"]  # queued behind it
        assert adapter.trips.idle()
        assert (await conn.execute(text("SELECT 3"))).scalar() == 3
        assert trips == ["_run"]  # in the loop again
