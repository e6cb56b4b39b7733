"""One PostgreSQL database per pytest-xdist worker: the tests empty the tables they use
(DELETE), so two workers sharing one database would empty each other's.

Called by tests/conftest.py before any test module reads MOUNASABET_TEST_POSTGRES_URL; the
worker's database is the configured one's name plus the worker's id (``..._gw0``), made
afresh for the run. `.ci/run` drops them with the configured one.
"""

from __future__ import annotations

import asyncio
import os

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import URL, make_url

VARIABLE = "MOUNASABET_TEST_POSTGRES_URL"


def use_worker_database() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get(VARIABLE)
    if not worker or not url:
        return
    configured = make_url(url)
    mine = configured.set(database=f"{configured.database}_{worker}")
    asyncio.run(_recreate(configured, str(mine.database)))
    os.environ[VARIABLE] = mine.render_as_string(hide_password=False)


async def _recreate(server: URL, name: str) -> None:
    conn = await asyncpg.connect(
        host=server.host,
        port=server.port or 5432,
        user=server.username,
        password=server.password,
        database="postgres",
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
        # A commit need not wait for the WAL to reach the disk: a test database outlives
        # no crash of the server (our processes' crashes are what the tests kill), and on
        # a machine with slow disk writes that wait was a good part of the suite's time.
        await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await conn.close()
