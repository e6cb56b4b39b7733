"""Fixtures of the reliability tests: the whole app (tests/reliability/world.py) per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.clock import FixedClock
from tests.conftest import BACKENDS
from tests.reliability.world import World, fresh_database, world


@pytest.fixture(params=BACKENDS)
async def everything(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[World]:
    """Every channel, the worker and the sweeps, on SQLite and on PostgreSQL (when set)."""
    url = await fresh_database(request.param, request, tmp_path)
    async with world(url, clock) as running:
        yield running


@pytest.fixture
async def on_sqlite(
    tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    """The same on SQLite only, for tests about the HTTP surface rather than the database."""
    url = await fresh_database("sqlite", request, tmp_path)
    async with world(url, clock) as running:
        yield running
