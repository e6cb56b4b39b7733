"""Issue 16 on WhatsApp: a ticket opened in chat, answered from `mounasabet-admin`.

Inside the 24-hour window the answer goes out as a message; outside it, with no approved
template for ``ticket_reply``, it waits (outbox ``held``) and leaves as soon as the user
writes again, as every other notification does (README, WhatsApp).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from bots.programs.serve import build_app
from core.bootstrap import build_core
from core.db.tables import OutboxMessage, Ticket, TicketMessage
from core.settings import Settings
from tests.e2e.test_whatsapp_journey import PUBLIC, RunningClock, World, eventually, option
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilioAPI
from tests.support.admin import admin_process
from tests.support.migrated import migrate


class MovableClock(RunningClock):
    """Real time, an hour ahead of the admin process's (so what it writes is due at once),
    and movable by a day to leave WhatsApp's window."""

    def __init__(self) -> None:
        super().__init__(datetime.now(UTC) + timedelta(hours=1))

    def advance(self, by: timedelta) -> None:
        self.start += by


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = MovableClock()
    url = f"sqlite+aiosqlite:///{tmp_path / 'ticket.db'}"
    migrate(url)
    async with FakeTwilioAPI(clock=clock) as twilio, FakeTelegramAPI(clock=clock) as telegram:
        settings = Settings(
            _env_file=None,
            database_url=url,
            public_url=PUBLIC,
            sandbox_enabled=False,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_whatsapp_from=WHATSAPP_FROM,
            twilio_api_url=twilio.base_url,
            twilio_media_dir=str(tmp_path / "media"),
        )
        container = build_core(settings, clock=clock)
        runner = web.AppRunner(build_app(container), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        twilio.connect(public_url=PUBLIC, local_url=f"http://{host}:{port}")
        try:
            yield World(container, twilio, telegram, clock)
        finally:
            await runner.cleanup()


async def test_ticket_on_whatsapp_answered_in_and_outside_the_window(world: World) -> None:
    await world.client_says("Salam")
    await world.client_says("/support")
    opened = await world.client_says("Le reçu de ma réservation n'est pas arrivé")
    async with world.container.uows() as uow:
        ticket = await uow.session.scalar(select(Ticket))
        assert ticket is not None
        ticket_id = ticket.id
    assert any(f"{ticket_id}" in (m.body or "") for m in opened)
    url = world.container.settings.database_url

    # Inside the window: the answer is a plain WhatsApp message, with "Reply" as an option.
    before = len(world.twilio.messages)
    code, _, err = await admin_process(url, "tickets", "reply", str(ticket_id), "Renvoyé !")
    assert code == 0, err
    await eventually(lambda: any("Renvoyé !" in (m.body or "") for m in world.twilio.messages))
    answer = world.twilio.messages[before:]
    await world.client_says(option(answer, "Répondre"))
    await world.client_says("Bien reçu, merci")

    # A day later, outside the window: no template for ticket_reply, so it waits...
    assert isinstance(world.clock, MovableClock)
    world.clock.advance(timedelta(hours=25))
    before = len(world.twilio.messages)
    code, _, err = await admin_process(url, "tickets", "reply", str(ticket_id), "Autre chose ?")
    assert code == 0, err

    async def held() -> bool:
        async with world.container.uows() as uow:
            status = await uow.session.scalar(
                select(OutboxMessage.status)
                .where(OutboxMessage.kind == "ticket_reply")
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
        return status == "held"

    for _ in range(250):
        if await held():
            break
        await asyncio.sleep(0.02)
    assert await held()
    assert len(world.twilio.messages) == before  # nothing sent outside the window
    # ...until the user writes again: then it leaves.
    await world.client_says("Allô ?")
    await eventually(lambda: any("Autre chose ?" in (m.body or "") for m in world.twilio.messages))
    async with world.container.uows() as uow:
        bodies = (
            await uow.session.scalars(select(TicketMessage.body).order_by(TicketMessage.id))
        ).all()
    assert list(bodies) == [
        "Le reçu de ma réservation n'est pas arrivé",
        "Renvoyé !",
        "Bien reçu, merci",
        "Autre chose ?",
        "Allô ?",
    ]
