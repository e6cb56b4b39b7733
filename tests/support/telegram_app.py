"""Our real web app on loopback, wired to the fake Telegram Bot API, for Telegram tests.

``telegram_app(...)`` migrates a database, seeds a provider whose owner has a phone number,
binds a free port, builds the app with ``bots.programs.serve.build_app`` (the same composition
root as ``mounasabet serve``) and starts it: its start-up calls setMyCommands and setWebhook
on the fake, so from then on the fake posts every update to our webhook routes.

Users are played through the fake (``TelegramApp.say``/``tap``/``share``), so every update
travels as with Telegram: fake -> HTTP POST with the secret header -> our route -> aiogram ->
dialog engine -> Bot API calls back to the fake.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from bots.programs.serve import build_app
from core.bootstrap import Core, build_core
from core.clock import Clock
from core.db.engine import make_engine
from core.db.tables import Base, User
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from tests.conftest import empty_tables
from tests.fakes import Delivery, FakeTelegramAPI, FakeUser, StoredMessage, parse_html
from tests.support import migrated
from tests.support.factories import make_provider

CLIENT_TOKEN = "111:client"
PROVIDER_TOKEN = "222:provider"
SECRET = "s3cret-_"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PROVIDER_PHONE = "+212661234567"
PROVIDER_SLUG = "studio-atlas"
TOKENS = {"client": CLIENT_TOKEN, "provider": PROVIDER_TOKEN}
T = TypeVar("T", bound=Base)


@dataclass(frozen=True)
class SeededProvider:
    owner_id: int
    provider_id: int
    service_id: int
    slug: str = PROVIDER_SLUG
    phone: str = PROVIDER_PHONE


@dataclass
class TelegramApp:
    """The running app, the fake it talks to, and ways to play users and look at the data."""

    fake: FakeTelegramAPI
    container: Core
    url: str
    provider: SeededProvider

    @property
    def uows(self) -> UnitOfWorkFactory:
        return self.container.uows

    def webhook(self, kind: str) -> str:
        return f"{self.url}/webhooks/telegram/{kind}"

    # ---- playing users (through the fake, so through the real webhook) --------------------

    async def say(self, user: FakeUser, text: str, *, bot: str = "client") -> Delivery:
        return delivered(await self.fake.user_sends_text(TOKENS[bot], user, text))

    async def share(self, user: FakeUser, phone: str, *, bot: str = "client") -> Delivery:
        return delivered(await self.fake.user_shares_contact(TOKENS[bot], user, phone))

    async def tap(
        self,
        user: FakeUser,
        code: str,
        *,
        bot: str = "client",
        message: StoredMessage | None = None,
    ) -> Delivery:
        """Press the button for ``code`` on ``message``, or on the newest message offering it."""
        message = message or self.message_with(user, code, bot=bot)
        data = button_data(message, code)
        return delivered(await self.fake.user_presses(TOKENS[bot], user, message.message_id, data))

    def message_with(self, user: FakeUser, code: str, *, bot: str = "client") -> StoredMessage:
        for message in reversed(self.fake.sent_to(user.id, bot=TOKENS[bot])):
            if any(_matches(d, code) for d in message.callback_data()):
                return message
        offered = [m.callback_data() for m in self.fake.sent_to(user.id, bot=TOKENS[bot])]
        raise AssertionError(f"no message to {user.id} offers {code!r}; buttons: {offered}")

    def last(self, user: FakeUser, *, bot: str = "client") -> StoredMessage:
        return self.fake.last_message(user.id, bot=TOKENS[bot])

    def texts(self, user: FakeUser, *, bot: str = "client") -> list[str]:
        return [m.text or m.caption or "" for m in self.fake.sent_to(user.id, bot=TOKENS[bot])]

    # ---- raw HTTP to our webhook -------------------------------------------------------------

    async def post(self, kind: str, body: Any, *, secret: str | None = SECRET) -> tuple[int, str]:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.webhook(kind), json=body, headers=headers) as resp,
        ):
            return resp.status, await resp.text()

    # ---- the database ------------------------------------------------------------------------

    async def count(self, table: type[Base], *where: Any) -> int:
        async with self.uows() as uow:
            query = select(func.count()).select_from(table).where(*where)
            return int(await uow.session.scalar(query) or 0)

    async def rows(self, table: type[T], *where: Any, order: Any = None) -> list[T]:
        async with self.uows() as uow:
            query = select(table).where(*where)
            if order is not None:
                query = query.order_by(order)
            found = list((await uow.session.scalars(query)).all())
            uow.session.expunge_all()  # keep the loaded values past the rollback on exit
            return found

    async def user_by_phone(self, phone: str) -> User:
        found = await self.rows(User, User.phone_e164 == phone)
        assert found, f"no user with phone {phone}"
        return found[0]

    async def scalar(self, column: InstrumentedAttribute[Any], *where: Any) -> Any:
        async with self.uows() as uow:
            return await uow.session.scalar(select(column).where(*where))


def delivered(delivery: Delivery) -> Delivery:
    """The fake's delivery, checked: our webhook answered 200."""
    assert (delivery.state, delivery.status) == ("delivered", 200), delivery
    return delivery


def _matches(data: str, code: str) -> bool:
    return data == code or data.endswith("|" + code)


def button_data(message: StoredMessage, code: str) -> str:
    for data in message.callback_data():
        if _matches(data, code):
            return data
    raise AssertionError(f"message {message.message_id} has no {code!r}: {message.callback_data()}")


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool],
    *,
    within: float = 5.0,
    what: str = "condition",
) -> None:
    """Poll ``check`` (sync or async) until it holds; the outbox worker runs every 0.5 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.05)


def assert_wire_clean(fake: FakeTelegramAPI, *, refused: tuple[str, ...] = ()) -> None:
    """Every call our bots made was accepted, in Telegram HTML, with callback data of at most
    64 bytes; ``refused`` names the methods a test expects to fail (a blocked chat...)."""
    for call in fake.calls():
        if call.method not in refused:
            assert call.ok, f"{call.method} refused: {call.response} ({call.params})"
        if call.method in ("sendMessage", "editMessageText"):
            assert call.params.get("parse_mode") == "HTML", call.params
            parse_html(str(call.params["text"]))  # raises on anything Telegram would refuse
        markup = call.params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
            for button in row:
                assert 1 <= len(button["callback_data"].encode()) <= 64, button


def sqlite_url(directory: Any, name: str = "telegram.db") -> str:
    return f"sqlite+aiosqlite:///{directory}/{name}"


def migrated_sqlite(into: Path) -> str:
    """A migrated SQLite database at ``into`` (a copy of the migrated template)."""
    url = f"sqlite+aiosqlite:///{into}"
    migrated.migrate(url)
    return url


def app_settings(
    database_url: str, api_url: str, port: int, *, tokens: bool = True, **more: Any
) -> Settings:
    return Settings(
        database_url=database_url,
        telegram_client_token=CLIENT_TOKEN if tokens else None,
        telegram_provider_token=PROVIDER_TOKEN if tokens else None,
        telegram_webhook_secret=SECRET,
        telegram_api_url=api_url,
        public_url=f"http://127.0.0.1:{port}",
        _env_file=None,
        **more,
    )


def bound_socket() -> socket.socket:
    """A loopback socket on a free port, bound now so nobody takes the port meanwhile."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


async def seed_provider(container: Core, *, paging: int = 0) -> SeededProvider:
    """The provider of the journeys (a Rabat photographer whose owner has a phone), and
    ``paging`` more photographers in Rabat so that search results span pages."""
    now = container.clock.now()
    owner, provider_id, service_id = await make_provider(
        container.uows, now, slug=PROVIDER_SLUG, min_notice_hours=48
    )
    async with container.uows() as uow:
        user = await uow.session.get(User, owner)
        assert user is not None
        user.phone_e164 = PROVIDER_PHONE
        await uow.commit()
    for n in range(paging):
        await make_provider(container.uows, now, slug=f"photo-rabat-{n:02d}")
    return SeededProvider(owner, provider_id, service_id)


@asynccontextmanager
async def app_on_backend(
    backend: str,
    request: Any,
    workdir: Path,
    clock: Clock,
    **options: Any,
) -> AsyncIterator[TelegramApp]:
    """The fake and the app on a fresh database: a copied SQLite template, or the test
    PostgreSQL database (``pg_migrated`` fixture of tests/conftest.py) emptied."""
    if backend == "sqlite":
        url = migrated_sqlite(workdir / "telegram.db")
    else:
        url = request.getfixturevalue("pg_migrated")
        engine = make_engine(url)
        await empty_tables(engine)
        await engine.dispose()
    async with (
        FakeTelegramAPI(clock=clock, rate_limits=None) as fake,
        telegram_app(url, fake, clock, migrate=False, **options) as app,
    ):
        yield app


@asynccontextmanager
async def telegram_app(
    database_url: str,
    fake: FakeTelegramAPI,
    clock: Clock,
    *,
    tokens: bool = True,
    migrate: bool = True,
    paging: int = 0,
    settings: dict[str, Any] | None = None,
) -> AsyncIterator[TelegramApp]:
    """Migrate, seed, start the app on a free port; stop it (worker, bots, engine) after.
    ``settings`` adds to the app's settings (e.g. the calendar fetcher's allowed networks)."""
    if migrate:
        migrated.migrate(database_url)
    sock = bound_socket()
    port = sock.getsockname()[1]
    container = build_core(
        app_settings(database_url, fake.base_url, port, tokens=tokens, **(settings or {})),
        clock=clock,
    )
    try:
        provider = await seed_provider(container, paging=paging)
    except BaseException:
        await container.close()
        sock.close()
        raise
    runner = web.AppRunner(build_app(container), access_log=None, shutdown_timeout=1.0)
    await runner.setup()  # on_startup: setMyCommands and setWebhook on the fake
    try:
        await web.SockSite(runner, sock).start()
        yield TelegramApp(fake, container, f"http://127.0.0.1:{port}", provider)
    finally:
        await runner.cleanup()  # stops the outbox worker, closes the bots and the container
        sock.close()
