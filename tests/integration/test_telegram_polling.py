"""`mounasabet poll`: the same bots by long polling against the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from sqlalchemy import func, select

from bots.programs.poll import run_polling
from core.bootstrap import build_core
from core.clock import FixedClock
from core.db.tables import ProcessedEvent
from dialogs.i18n.translator import translator
from tests.fakes import FakeTelegramAPI, FakeUser
from tests.support.telegram_app import (
    CLIENT_TOKEN,
    app_settings,
    eventually,
    migrated_sqlite,
    seed_provider,
)

AMINA = FakeUser(id=4101, first_name="Amina", language_code="en")
EN = translator("en")


async def test_polling_answers_texts_and_presses(tmp_path: Path, clock: FixedClock) -> None:
    url = migrated_sqlite(tmp_path / "poll.db")
    async with FakeTelegramAPI(clock=clock, rate_limits=None) as fake:
        container = build_core(app_settings(url, fake.base_url, 9), clock=clock)
        await seed_provider(container)
        polling = asyncio.create_task(run_polling(container))
        try:
            await fake.user_sends_text(CLIENT_TOKEN, AMINA, "/start")
            await eventually(lambda: bool(fake.sent_to(AMINA.id)), what="the menu")
            menu = fake.last_message(AMINA.id)
            [find] = [d for d in menu.callback_data() if d.endswith("|m:find")]
            pressed = await fake.user_presses(CLIENT_TOKEN, AMINA, menu.message_id, find)

            def categories_shown() -> bool:
                return (fake.last_message(AMINA.id).text or "").startswith(
                    EN("What are you looking for?")
                )

            await eventually(categories_shown, what="the categories")
            # aiogram's dispatcher makes the call our handler returns: the press is answered.
            await eventually(
                lambda: any(
                    a.query_id == pressed.callback_query_id for a in fake.callback_answers()
                ),
                what="the answer to the press",
            )
            async with container.uows() as uow:
                claimed = await uow.session.scalar(select(func.count(ProcessedEvent.id)))
            assert claimed == 2  # each update once
        finally:
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
