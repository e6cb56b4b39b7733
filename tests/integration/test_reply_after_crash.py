"""Issue 12, item 2: a committed step's reply survives `kill -9` of `mounasabet serve`.

The fake Bot API holds the server's sends for 6 s; a user presses "Book" (update U) and the
server is killed as soon as U's step is committed, while its reply is held on the way to
Telegram. Restarted, the server must still answer U, and only once: when Telegram delivers
U again (its webhook got no answer), or else by its outbox worker when the dead process's
hold on the reply ends. Counted at the fake, per chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core.bootstrap import build_core
from core.db.engine import make_engine
from core.db.tables import Conversation, OutboxMessage
from core.notifications.direct_replies import DIRECT_LEASE
from core.settings import Settings
from dialogs.i18n.translator import translator
from tests.conftest import BACKENDS, empty_tables
from tests.fakes import Delivery, FakeTelegramAPI, FakeUser
from tests.support.migrated import migrate
from tests.support.serve_process import ServeProcess, serving
from tests.support.telegram_app import (
    CLIENT_TOKEN,
    PROVIDER_SLUG,
    delivered,
    eventually,
    seed_provider,
)

pytestmark = pytest.mark.slow  # serve processes killed and started again

SALMA = FakeUser(id=7001, first_name="Salma", language_code="fr")
STALL = 6.0  # seconds the fake holds every send
SENDS = ("sendMessage", "editMessageText", "sendPhoto", "sendMediaGroup")


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated database with the provider of the journeys, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
        migrate(url)
    else:
        url = request.getfixturevalue("pg_migrated")
        engine = make_engine(url)
        await empty_tables(engine)
        await engine.dispose()
    container = build_core(Settings(database_url=url, _env_file=None))
    try:
        await seed_provider(container)
    finally:
        await container.close()
    yield url


def occasion_prompt() -> str:
    """The first question of the booking form, in French (Salma's language)."""
    return translator("fr")("What is the occasion?")


def answers_seen(fake: FakeTelegramAPI) -> int:
    """How many times Salma was shown the booking form's first question: each send or edit
    that Telegram accepted, whatever the method."""
    prompt = occasion_prompt()
    return sum(
        1
        for call in fake.calls(bot=CLIENT_TOKEN)
        if call.ok
        and call.method in ("sendMessage", "editMessageText")
        and call.params.get("chat_id") == SALMA.id
        and str(call.params.get("text", "")).startswith(prompt)
    )


async def press_book_and_crash(server: ServeProcess, fake: FakeTelegramAPI) -> Delivery:
    """Open the provider by deep link, press Book with the sends stalled, kill -9."""
    profile = delivered(
        await fake.user_sends_text(CLIENT_TOKEN, SALMA, f"/start p-{PROVIDER_SLUG}")
    )
    assert profile.status == 200
    shown = fake.sent_to(SALMA.id, bot=CLIENT_TOKEN)[-1]
    [data] = [d for d in shown.callback_data() if "|book:" in d]  # the one service
    for method in SENDS:
        fake.stall(method, STALL)
    press = asyncio.ensure_future(fake.user_presses(CLIENT_TOKEN, SALMA, shown.message_id, data))

    async def committed() -> bool:  # the chat is at the booking form
        return (await state_of_the_chat(server.database_url)).get("flow") == "book"

    await eventually(committed, within=STALL - 1, what="the step committed")
    await server.kill()
    update = await press
    for method in SENDS:
        fake.stall(method, None)
    assert update.state == "pending"  # Telegram got no answer: it keeps U to deliver again
    return update


async def reply_rows(url: str) -> list[tuple[str, int]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(OutboxMessage.status, OutboxMessage.attempts)
                .where(OutboxMessage.kind == "direct_reply")
                .order_by(OutboxMessage.id)
            )
            return [(status, attempts) for status, attempts in rows]
    finally:
        await engine.dispose()


async def state_of_the_chat(url: str) -> dict[str, object]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            state = await conn.scalar(
                select(Conversation.state).where(Conversation.chat_key == str(SALMA.id))
            )
            assert isinstance(state, dict)
            return state
    finally:
        await engine.dispose()


async def test_telegram_delivers_the_update_again_and_the_reply_goes_once(
    database: str, tmp_path: Path
) -> None:
    async with (
        FakeTelegramAPI(rate_limits=None) as fake,
        serving(database, fake, tmp_path) as server,
    ):
        await press_book_and_crash(server, fake)
        # The step was committed (the chat is at the form) but Salma saw nothing of it.
        assert (await state_of_the_chat(database))["flow"] == "book"
        assert answers_seen(fake) == 0

        await server.start()
        [again] = await fake.redeliver(CLIENT_TOKEN)  # Telegram's retry of U
        assert (again.state, again.status) == ("delivered", 200)
        assert answers_seen(fake) == 1

        async def marked() -> bool:
            return (await reply_rows(database))[-1] == ("sent", 2)

        await eventually(marked, what="the reply recorded as sent by its second attempt")
        await fake.redeliver(CLIENT_TOKEN)  # nothing left to deliver: nothing happens
        assert answers_seen(fake) == 1


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_without_a_redelivery_the_worker_sends_the_reply_once(
    database: str, tmp_path: Path
) -> None:
    async with (
        FakeTelegramAPI(rate_limits=None) as fake,
        serving(database, fake, tmp_path) as server,
    ):
        update = await press_book_and_crash(server, fake)
        fake.bot(CLIENT_TOKEN).backlog.remove(update.update)  # Telegram does not retry
        await server.start()

        async def arrived() -> bool:
            return answers_seen(fake) > 0

        # The dead process held the reply for DIRECT_LEASE; then the worker takes it.
        # A margin for the restart on a loaded machine (it once took more than 10 s in CI).
        await eventually(arrived, within=DIRECT_LEASE.total_seconds() + 30, what="the reply")

        async def marked() -> bool:
            return (await reply_rows(database))[-1][0] == "sent"

        await eventually(marked, what="the reply recorded as sent")
        assert answers_seen(fake) == 1
