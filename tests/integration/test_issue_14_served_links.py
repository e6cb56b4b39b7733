"""Issue 14: without MOUNASABET_PUBLIC_URL, the links we send point at the port actually
served (`mounasabet serve --port N`, `make run PORT=8091`), not at a hard-coded :8080."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

from core.bootstrap import build_uow_factory
from core.clock import SystemClock
from core.db.engine import make_engine
from core.db.tables import ChannelIdentity
from tests.support.bookings import request
from tests.support.factories import make_provider
from tests.support.migrated import migrate
from tests.support.payments import eventually, free_port

MOUNASABET = Path(sys.executable).parent / "mounasabet"


async def send(http: aiohttp.ClientSession, url: str, pane: str, chat: str, **say: str) -> None:
    body: dict[str, Any] = {"pane": pane, "chat": chat, "language": "en", **say}
    async with http.post(f"{url}/sandbox/api/send", json=body) as response:
        assert response.status == 200, await response.text()


async def texts(http: aiohttp.ClientSession, url: str, pane: str, chat: str) -> list[str]:
    params = {"pane": pane, "chat": chat, "after": "0"}
    async with http.get(f"{url}/sandbox/api/messages", params=params) as response:
        return [m["text"] for m in (await response.json())["messages"] if m["from"] == "bot"]


async def test_payment_links_use_the_port_served(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'served.db'}"
    migrate(db_url)
    engine = make_engine(db_url)
    uows = build_uow_factory(engine)
    now = SystemClock().now()
    _, _, service_id = await make_provider(uows, now, slug="studio-atlas")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOUNASABET_")}
    env["MOUNASABET_DATABASE_URL"] = db_url
    log = (tmp_path / "serve.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(MOUNASABET), "serve", "--port", str(port), env=env, cwd=tmp_path, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def up() -> bool:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/healthz") as response:
                        return response.status == 200
                return False

            await eventually(up, "serve listening", wait=60)
            await send(http, url, "client", "rim", text="/start")
            await send(http, url, "provider", "studio-atlas", text="/start")
            async with uows() as uow:
                client = await uow.session.scalar(
                    select(ChannelIdentity.user_id).where(ChannelIdentity.external_id == "c:rim")
                )
            assert client is not None
            day = now.date() + timedelta(days=20)
            booking_id = await request(uows, SystemClock().now(), client, service_id, day)
            await send(http, url, "provider", "studio-atlas", payload=f"g|pacc:{booking_id}")

            async def linked() -> bool:
                return any("/pay/cs_offline_" in t for t in await texts(http, url, "client", "rim"))

            await eventually(linked, "the deposit link in the client's chat", wait=30)
            [said] = [t for t in await texts(http, url, "client", "rim") if "/pay/" in t]
            assert f"{url}/pay/cs_offline_" in said
            assert "127.0.0.1:8080" not in said
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        log.close()
        await engine.dispose()
