"""Run Alembic migrations programmatically (``mounasabet db upgrade``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking; safe to call with or without a running event loop."""
    _off_loop(command.upgrade, alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    _off_loop(command.downgrade, alembic_config(url), revision)


def _off_loop(fn: Callable[[Config, str], None], cfg: Config, revision: str) -> None:
    # Our env.py drives the async engine with asyncio.run, which needs a thread of its own
    # when the caller already runs an event loop (tests, the web app).
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        fn(cfg, revision)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(fn, cfg, revision).result()


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)
