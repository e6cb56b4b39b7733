"""`mounasabet worker` delivers the outbox on Telegram without serving HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select

from bots.programs.worker import run_worker
from core.bootstrap import Core, build_core
from core.db.tables import ChannelIdentity, OutboxMessage, User
from core.notifications.outbox import enqueue
from core.settings import Settings
from dialogs.framework.replies import Reply
from tests.fakes import FakeTelegramAPI, FakeUser
from tests.support.migrated import migrate

TOKEN = "111:client"


async def test_worker_sends_a_queued_message_and_stops_cleanly(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}"
    migrate(url)
    async with FakeTelegramAPI() as fake:
        person = FakeUser(id=5001, first_name="Salma", language_code="fr")
        fake.open_chat(TOKEN, person)
        settings = Settings(
            database_url=url,
            telegram_client_token=SecretStr(TOKEN),
            telegram_api_url=fake.base_url,
            sandbox_enabled=False,
        )
        container = build_core(settings)
        now = datetime.now(UTC)
        async with container.uows() as uow:
            user = User(role="client", display_name="Salma", locale="fr", created_at=now)
            uow.session.add(user)
            await uow.session.flush()
            uow.session.add(
                ChannelIdentity(
                    user_id=user.id,
                    channel="telegram_client",
                    external_id=str(person.id),
                    created_at=now,
                )
            )
            enqueue(
                uow.session,
                kind="direct_reply",
                user_id=user.id,
                now=now,
                channel="telegram_client",
                payload={"audience": "client", "replies": [Reply("Bonjour Salma").to_json()]},
            )
            await uow.commit()
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(container, stop=stop))
        # Stopped once the send is recorded: stopped between the fake's receipt and the
        # record, the message would rightly stay due (at least once), and this test flaky.
        for _ in range(100):
            if fake.sent_to(person.id) and await outbox_status(container) == "sent":
                break
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(worker, timeout=10)
        assert [m.text for m in fake.sent_to(person.id)] == ["Bonjour Salma"]
    check = build_core(Settings(database_url=url))
    status = await outbox_status(check)
    await check.close()
    assert status == "sent"


async def outbox_status(core: Core) -> str | None:
    async with core.uows() as uow:
        return await uow.session.scalar(select(OutboxMessage.status))
