"""The whole app on loopback with every channel on, for the reliability tests.

``world(...)`` starts the fake Telegram Bot API (client and provider bots), the fake
Twilio API and the fake Stripe API, then the app as ``mounasabet serve`` builds it
(``bots.programs.serve.build_app`` with ``server_options``), outbox worker and sweeps
included, on a fresh SQLite file or the test PostgreSQL database. Every secret has a
value no other text contains, so a test can look for it in logs and pages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bots.programs.serve import build_app
from bots.web_app import server_options
from core.bootstrap import Core, build_core
from core.clock import Clock
from core.db.engine import make_engine
from core.db.tables import Base, OutboxMessage
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from tests.conftest import empty_tables
from tests.fakes import FakeTelegramAPI, FakeUser, StoredMessage
from tests.fakes.stripe_api import FakeStripe
from tests.fakes.twilio_api import FakeTwilioAPI
from tests.support.telegram_app import (
    SECRET_HEADER,
    SeededProvider,
    bound_socket,
    button_data,
    delivered,
    migrated_sqlite,
    seed_provider,
)

# Distinctive values: each appears nowhere but where the secret itself is written.
CLIENT_TOKEN = "7100001:RELclientTOKENq9x4Lm"
PROVIDER_TOKEN = "7100002:RELproviderTOKENz7w2Kp"
TELEGRAM_SECRET = "RELwebhookSECRETk3v8"
TWILIO_SID = "AC" + "5e" * 16
TWILIO_TOKEN = "RELtwilioAUTHtoken5u1n"
TWILIO_FROM = "whatsapp:+14155550100"
STRIPE_KEY = "sk_test_RELstripeKEYm2c7"
STRIPE_WEBHOOK_SECRET = "whsec_RELstripeHOOKp8d3"
LINK_SECRET = "RELlinkSECRETinvoices0123456789abcdef"
SECRETS = {
    "telegram client token": CLIENT_TOKEN,
    "telegram provider token": PROVIDER_TOKEN,
    "telegram webhook secret": TELEGRAM_SECRET,
    "twilio auth token": TWILIO_TOKEN,
    "stripe secret key": STRIPE_KEY,
    "stripe webhook secret": STRIPE_WEBHOOK_SECRET,
    "payment link secret": LINK_SECRET,
}
TOKENS = {"client": CLIENT_TOKEN, "provider": PROVIDER_TOKEN}
UNFINISHED = ("pending", "sending")
SCHEDULER_BOOKKEEPING = frozenset({"scheduler_leases", "scheduler_sweeps", "search_counts"})


@dataclass
class World:
    url: str
    container: Core
    telegram: FakeTelegramAPI
    twilio: FakeTwilioAPI
    stripe: FakeStripe
    provider: SeededProvider
    http: aiohttp.ClientSession

    @property
    def uows(self) -> UnitOfWorkFactory:
        return self.container.uows

    async def post_update(
        self, kind: str, update: dict[str, Any], *, secret: str | None = TELEGRAM_SECRET
    ) -> int:
        """POST one update to our webhook as Telegram does (a retry sends the same body)."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        path = f"{self.url}/webhooks/telegram/{kind}"
        for last_try in (False, True):
            try:
                async with self.http.post(path, json=update, headers=headers) as resp:
                    await resp.read()
                    return resp.status
            except aiohttp.ServerDisconnectedError:
                if last_try:  # Telegram, too, delivers again an update left unanswered
                    raise
        raise AssertionError("unreachable")

    async def say(self, user: FakeUser, text: str, *, bot: str = "client") -> None:
        delivered(await self.telegram.user_sends_text(TOKENS[bot], user, text))

    async def share(self, user: FakeUser, phone: str, *, bot: str = "client") -> None:
        delivered(await self.telegram.user_shares_contact(TOKENS[bot], user, phone))

    async def tap(self, user: FakeUser, code: str, *, bot: str = "client") -> None:
        """Press the button for ``code`` on the newest message offering it."""
        message = self.message_with(user, code, bot=bot)
        data = button_data(message, code)
        await self.telegram.user_presses(TOKENS[bot], user, message.message_id, data)

    def message_with(self, user: FakeUser, code: str, *, bot: str = "client") -> StoredMessage:
        for message in reversed(self.telegram.sent_to(user.id, bot=TOKENS[bot])):
            if any(d == code or d.endswith("|" + code) for d in message.callback_data()):
                return message
        texts = [m.text for m in self.telegram.sent_to(user.id, bot=TOKENS[bot])][-3:]
        raise AssertionError(f"no message to {user.id} offers {code!r}; last: {texts}")

    def texts(self, user: FakeUser, *, bot: str = "client") -> list[str]:
        sent = self.telegram.sent_to(user.id, bot=TOKENS[bot])
        return [m.text or m.caption or "" for m in sent]

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.url + path) as resp:
            return resp.status, await resp.text()

    async def counts(self) -> dict[str, int]:
        """Rows per table: what "nothing changed" is checked against. What the app writes
        on its own clock is left out: the worker records a sweep's first run whenever it
        comes, and the searches counted are flushed every minute; on a loaded machine
        either can fall inside the test's window."""
        async with self.uows() as uow:
            return {
                table.name: int(
                    await uow.session.scalar(select(func.count()).select_from(table)) or 0
                )
                for table in Base.metadata.sorted_tables
                if table.name not in SCHEDULER_BOOKKEEPING
            }

    async def quiet(self, within: float = 30.0) -> None:
        """Wait until the outbox has nothing left to send now."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            async with self.uows() as uow:
                left = await uow.session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status.in_(UNFINISHED))
                )
            if not left:
                return
            if loop.time() > deadline:
                raise AssertionError(f"{left} outbox messages still unsent after {within} s")
            await asyncio.sleep(0.1)


def text_update(update_id: int, user: FakeUser, text: str, message_id: int = 1) -> dict[str, Any]:
    """A private text message as Telegram posts it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": 1_777_000_000,
            "chat": user.chat_json(),
            "from": user.to_json(),
            "text": text,
        },
    }


def press_update(
    update_id: int, user: FakeUser, message_id: int, data: str, *, chat: FakeUser | None = None
) -> dict[str, Any]:
    """A button press on ``message_id`` of ``chat``'s chat (the presser's own by default)."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "from": user.to_json(),
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 1_777_000_000,
                "chat": (chat or user).chat_json(),
                "text": "…",
            },
        },
    }


async def fresh_database(backend: str, request: Any, workdir: Path) -> str:
    if backend == "sqlite":
        return migrated_sqlite(workdir / "reliability.db")
    url = str(request.getfixturevalue("pg_migrated"))
    engine = make_engine(url)
    await empty_tables(engine)
    await engine.dispose()
    return url


@asynccontextmanager
async def world(
    database_url: str, clock: Clock, *, worker: bool = True, **settings: Any
) -> AsyncIterator[World]:
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with (
        FakeTelegramAPI(clock=clock, rate_limits=None) as telegram,
        FakeTwilioAPI(
            account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, whatsapp_from=TWILIO_FROM, clock=clock
        ) as twilio,
    ):
        stripe = await FakeStripe(STRIPE_KEY, STRIPE_WEBHOOK_SECRET, clock).start()
        stripe.webhook_url = f"{url}/webhooks/stripe"
        twilio.connect(public_url=url, local_url=url)
        options: dict[str, Any] = {
            "database_url": database_url,
            "public_url": url,
            "sandbox_enabled": True,
            "telegram_client_token": CLIENT_TOKEN,
            "telegram_provider_token": PROVIDER_TOKEN,
            "telegram_webhook_secret": TELEGRAM_SECRET,
            "telegram_api_url": telegram.base_url,
            "twilio_account_sid": TWILIO_SID,
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_whatsapp_from": TWILIO_FROM,
            "twilio_api_url": twilio.base_url,
            "stripe_secret_key": STRIPE_KEY,
            "stripe_webhook_secret": STRIPE_WEBHOOK_SECRET,
            "stripe_api_url": stripe.url,
            "payments_link_secret": LINK_SECRET,
        }
        container = build_core(Settings(_env_file=None, **(options | settings)), clock=clock)
        try:
            provider = await seed_provider(container)
        except BaseException:
            await container.close()
            sock.close()
            raise
        app = build_app(container, worker=worker)
        runner = web.AppRunner(app, **server_options(app))
        # An idle connection is dropped by the client before the server's keep-alive
        # timer (http_read_seconds) closes it: otherwise a request sent on a connection
        # the server is closing at that instant fails (seen under a loaded CI run).
        keepalive = min(5.0, container.settings.http_read_seconds / 2)
        http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(keepalive_timeout=keepalive))
        try:
            await runner.setup()
            await web.SockSite(runner, sock).start()
            yield World(url, container, telegram, twilio, stripe, provider, http)
        finally:
            await http.close()
            await runner.cleanup()
            await stripe.close()
            sock.close()
