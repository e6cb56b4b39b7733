"""Shared fixtures: real SQLite files and, when configured, a real PostgreSQL database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.bootstrap import build_uow_factory
from core.clock import FixedClock
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.db.tables import Base
from core.uow import UnitOfWorkFactory
from tests.worker_database import use_worker_database

use_worker_database()  # before PG_URL is read, here and in every test module

PG_URL = os.environ.get("MOUNASABET_TEST_POSTGRES_URL")
PG_SKIP = "MOUNASABET_TEST_POSTGRES_URL is not set: PostgreSQL tests need a real server"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres", id="postgres", marks=pytest.mark.skipif(PG_URL is None, reason=PG_SKIP)
    ),
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: pytest-xdist hands the tests out in this order (`make test`
    steals work: it splits the list, and steals from the end), so a long test started last
    would keep one worker busy while the other has nothing left to do."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable


@pytest.fixture(scope="session")
def pg_migrated() -> Iterator[str]:
    """The CI database, migrated once per test run."""
    assert PG_URL is not None
    upgrade(PG_URL)
    yield PG_URL


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 5, 4, 9, 0, tzinfo=UTC))


@pytest.fixture(params=BACKENDS)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A clean, migrated database on each backend."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        async with eng.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    else:
        url = request.getfixturevalue("pg_migrated")
        eng = make_engine(url)
        await empty_tables(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def uows(engine: AsyncEngine) -> UnitOfWorkFactory:
    return build_uow_factory(engine)


# Children before parents, so each DELETE leaves no row pointing at a deleted one.
_EMPTY_TABLES = ";".join(f"DELETE FROM {t.name}" for t in reversed(Base.metadata.sorted_tables))


async def empty_tables(engine: AsyncEngine) -> None:
    """Empty every table and restart every id sequence, as TRUNCATE ... RESTART IDENTITY would.

    DELETE, because a test's tables hold a handful of rows: TRUNCATE gives each table new
    files (~0.1 s for all of them, before every PostgreSQL test), DELETE takes ~10 ms.
    """
    async with engine.begin() as conn:
        sequences = (await conn.execute(text("SELECT sequencename FROM pg_sequences"))).scalars()
        restarts = "".join(f";ALTER SEQUENCE {name} RESTART" for name in sequences)
        # One round trip: asyncpg's simple query protocol runs several statements at once.
        asyncpg_connection = (await conn.get_raw_connection()).driver_connection
        assert asyncpg_connection is not None
        await asyncpg_connection.execute(_EMPTY_TABLES + restarts)
