"""`mounasabet-admin` lists what is in the database, as a table or as JSON."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from admin_cli.app import app
from core.db.engine import make_engine, make_session_factory
from core.db.migrate import upgrade
from core.demo.seed import seed_demo
from core.notifications.booking_news import notify_parties
from core.uow import UnitOfWorkFactory


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'admin.db'}"
    upgrade(url)

    async def seed() -> None:
        engine = make_engine(url)
        uows = UnitOfWorkFactory(make_session_factory(engine), (notify_parties,))
        await seed_demo(uows, now=datetime(2026, 5, 4, 9, tzinfo=UTC))
        await engine.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("MOUNASABET_DATABASE_URL", url)
    return url


def test_bookings_list_json_filters_by_state(seeded: str) -> None:
    result = CliRunner().invoke(app, ["bookings", "list", "--state", "confirmed", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and {r["state"] for r in rows} == {"confirmed"}


def test_providers_list_table(seeded: str) -> None:
    result = CliRunner().invoke(app, ["providers", "list", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert "Providers" in result.output and "active" in result.output


def test_bad_limit_is_refused(seeded: str) -> None:
    result = CliRunner().invoke(app, ["bookings", "list", "--limit", "0"])
    assert result.exit_code != 0
