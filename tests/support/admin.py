"""`mounasabet-admin` driven as an operator would: through Typer's CliRunner or a process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from admin_cli.app import app
from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.db.tables import OutboxMessage
from core.notifications.outbox import Envelope
from core.payments.checkout_links import deposit_link
from core.payments.events import handle_gateway_event
from core.payments.ports import GatewayEvent, Payments
from core.uow import UnitOfWorkFactory
from dialogs.framework.replies import Reply
from dialogs.notifications.render import render_notification
from payments.links import HmacLinks
from payments.offline_gateway import OfflineGateway
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user

ADMIN_SCRIPT = Path(sys.executable).parent / "mounasabet-admin"


def url_of(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class AdminCli:
    """Runs commands against ``database_url``; each command is a fresh program run (its own
    engine and event loop, in a thread so that the test's own loop stays free)."""

    database_url: str
    operator: str = "ops-amina"
    more_env: tuple[tuple[str, str], ...] = ()  # MOUNASABET_* settings the server shares

    async def run(self, *args: str, input: str | None = None) -> Result:
        env = {"MOUNASABET_DATABASE_URL": self.database_url, "USER": self.operator}
        env |= dict(self.more_env)

        def invoke() -> Result:
            return CliRunner().invoke(app, list(args), input=input, env=env, catch_exceptions=False)

        return await asyncio.to_thread(invoke)

    async def ok(self, *args: str, input: str | None = None) -> str:
        result = await self.run(*args, input=input)
        assert result.exit_code == 0, f"{args}: {result.stdout}\n{result.stderr}"
        return result.stdout

    async def json(self, *args: str) -> Any:
        return json.loads(await self.ok(*args, "--json"))

    async def fails(self, *args: str, input: str | None = None) -> str:
        """The command ends with exit code 1 and a message, never a traceback."""
        result = await self.run(*args, input=input)
        assert result.exit_code == 1, f"{args}: {result.exit_code} {result.stdout}"
        assert "Traceback" not in result.stderr and result.stderr.strip(), result.stderr
        return result.stderr


async def admin_process(database_url: str, *args: str) -> tuple[int, str, str]:
    """The installed console script, as a separate process: (exit code, stdout, stderr)."""
    env = os.environ | {"MOUNASABET_DATABASE_URL": database_url, "USER": "ops-process"}
    process = await asyncio.create_subprocess_exec(
        str(ADMIN_SCRIPT),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def paid_booking(
    uows: UnitOfWorkFactory, now: datetime, *, slug: str = "studio-admin", days: int = 30
) -> tuple[int, int, int]:
    """A booking whose deposit went through the offline gateway, as a webhook would record
    it: (booking id, provider owner's user id, client id)."""
    owner, _, service = await make_provider(uows, now, slug=slug)
    client = await make_user(uows, now)
    booking_id = await request(uows, now, client, service, now.date() + timedelta(days=days))
    await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
    gateway = OfflineGateway("http://test")
    session_id = (await deposit_link(uows, gateway, booking_id, now)).id
    event = GatewayEvent(
        f"evt_{booking_id}",
        "checkout.session.completed",
        {
            "id": session_id,
            "object": "checkout.session",
            "payment_status": "paid",
            "payment_intent": f"pi_{booking_id}",
            "metadata": {"booking_id": str(booking_id)},
        },
    )
    async with uows() as uow:
        payments = Payments(gateway, HmacLinks(b"k" * 32, "http://t"))
        await handle_gateway_event(uow, payments, event, now=now)
        await uow.commit()
    return booking_id, owner, client


async def news_of(uows: UnitOfWorkFactory, kind: str, booking_id: int) -> dict[str, Reply]:
    """Each party's news of ``kind`` about a booking, as rendered for them, by audience."""
    told: dict[str, Reply] = {}
    async with uows() as uow:
        rows = await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))
        for row in rows:
            if row.payload.get("booking_id") == booking_id:
                envelope = Envelope(row.id, row.kind, row.user_id, row.channel, row.payload, 0)
                [told[row.payload["audience"]]] = await render_notification(uow, envelope)
    return told
