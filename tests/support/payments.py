"""The whole app on loopback with a fake Stripe, a real SMTP server and the sandbox chat.

``payment_stack`` starts: the fake Stripe API (tests/fakes/stripe_api.py), an aiosmtpd
server, and ``bots.programs.serve.build_app`` with its outbox worker, configured as production
would be (Stripe key and webhook secret, SMTP URL, public URL). Tests talk to it only
over HTTP: the sandbox's JSON API for the chats, ``/webhooks/stripe`` for Stripe, and
``/invoices/...`` for documents.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bots.programs.serve import build_app
from core.booking.actors import Actor
from core.bootstrap import Core, build_core
from core.clock import FixedClock
from core.db.tables import Booking, ChannelIdentity, Payment, User
from core.payments.ports import PaymentGateway
from core.payments.refund_sending import RefundOutcome, send_held
from core.payments.refunds import refund_booking
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from tests.fakes.stripe_api import FakeStripe
from tests.support.bookings import request
from tests.support.factories import make_provider
from tests.support.migrated import migrate

API_KEY = "sk_test_mounasabet_fake"
WEBHOOK_SECRET = "whsec_test_mounasabet"
LINK_SECRET = "invoice-links-secret-for-tests-0123456789"
PROVIDER_SLUG = "studio-atlas"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """aiosmtpd handler: keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@dataclass
class Stack:
    url: str
    fake: FakeStripe
    mailbox: Mailbox
    container: Core
    clock: FixedClock
    http: aiohttp.ClientSession
    provider_owner: int = 0
    service_id: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    @property
    def uows(self) -> UnitOfWorkFactory:
        return self.container.uows

    async def send(
        self, pane: str, chat: str, *, text: str | None = None, payload: str | None = None
    ) -> list[dict[str, Any]]:
        """Say or press something; returns what the bots said since (the replies)."""
        earlier = await self.messages(pane, chat)
        after = earlier[-1]["seq"] if earlier else 0
        body: dict[str, Any] = {"pane": pane, "chat": chat, "language": "en", "after": after}
        if text is not None:
            body["text"] = text
        if payload is not None:
            body["payload"] = payload
        async with self.http.post(f"{self.url}/sandbox/api/send", json=body) as response:
            assert response.status == 200, await response.text()
            messages = (await response.json())["messages"]
            return [m for m in messages if m["from"] == "bot"]

    async def click(self, pane: str, chat: str, code: str) -> list[dict[str, Any]]:
        """Press the newest button for ``code`` the chat has seen."""
        for message in reversed(await self.messages(pane, chat)):
            for row in message.get("buttons") or ():
                for button in row:
                    if button["payload"] == code or button["payload"].endswith("|" + code):
                        return await self.send(pane, chat, payload=button["payload"])
        raise AssertionError(f"no button {code!r} in {pane} chat {chat}")

    async def messages(self, pane: str, chat: str) -> list[dict[str, Any]]:
        params = {"pane": pane, "chat": chat, "after": "0"}
        async with self.http.get(f"{self.url}/sandbox/api/messages", params=params) as response:
            return list((await response.json())["messages"])

    async def bot_texts(self, pane: str, chat: str) -> list[str]:
        return [m["text"] for m in await self.messages(pane, chat) if m["from"] == "bot"]

    async def client(self, chat: str, *, email_address: str | None, locale: str = "en") -> int:
        """A client who opened the sandbox chat (so the outbox can reach them)."""
        await self.send("client", chat, text="/start")
        async with self.uows() as uow:
            user = await uow.session.scalar(
                select(User)
                .join(ChannelIdentity, ChannelIdentity.user_id == User.id)
                .where(ChannelIdentity.external_id == f"c:{chat}")
            )
            assert user is not None
            user.email, user.locale, user.display_name = email_address, locale, chat.title()
            await uow.commit()
            return user.id

    async def book(self, client_id: int, days_ahead: int, **kw: Any) -> int:
        """A request as the chat's form makes it: with the email the client gave before,
        which the form fills in (and the summary shows)."""
        day = self.clock.now().date() + timedelta(days=days_ahead)
        if "contact_email" not in kw:
            async with self.uows() as uow:
                user = await uow.session.get(User, client_id)
                kw["contact_email"] = user.email if user else None
        return await request(self.uows, self.clock.now(), client_id, self.service_id, day, **kw)

    async def accept(self, booking_id: int) -> None:
        await self.send("provider", PROVIDER_SLUG, payload=f"g|pacc:{booking_id}")

    async def booking(self, booking_id: int) -> Booking:
        async with self.uows() as uow:
            booking = await uow.session.get(Booking, booking_id)
            assert booking is not None
            uow.session.expunge_all()
            return booking

    async def reaches(self, booking_id: int, state: str) -> None:
        """Wait for the booking to be in ``state``: what the outbox worker does after a
        commit (a balance charged, a refund sent) is not there at once."""

        async def there() -> bool:
            return (await self.booking(booking_id)).state == state

        await eventually(there, f"booking {booking_id} {state}")

    async def payments(self, booking_id: int) -> list[Payment]:
        async with self.uows() as uow:
            rows = (
                await uow.session.scalars(
                    select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id)
                )
            ).all()
            uow.session.expunge_all()
            return list(rows)

    async def pending_session(self, booking_id: int, kind: str = "deposit") -> str:
        """The link's Checkout session, once the worker made it: for the deposit, right
        before the client's "accepted" notice is worded (core/payments/links.py)."""

        async def made() -> bool:
            rows = [p for p in await self.payments(booking_id) if p.kind == kind]
            return bool(rows and rows[-1].status == "pending" and rows[-1].checkout_session_id)

        await eventually(made, f"a pending {kind} link for booking {booking_id}")
        rows = [p for p in await self.payments(booking_id) if p.kind == kind]
        assert rows[-1].checkout_session_id is not None
        return rows[-1].checkout_session_id

    async def pay_deposit(self, booking_id: int, card: str = "pm_card_visa") -> None:
        """The client pays on Stripe's page; Stripe sends each event three times."""
        for event in self.fake.pay_checkout(await self.pending_session(booking_id), card):
            assert await self.fake.deliver(event) == [200, 200, 200]

    async def confirmed(self, client_id: int, chat: str, days_ahead: int, **kw: Any) -> int:
        booking_id = await self.book(client_id, days_ahead, **kw)
        await self.accept(booking_id)
        await self.pay_deposit(booking_id)
        assert (await self.booking(booking_id)).state == "confirmed"
        return booking_id

    async def refund_now(
        self,
        gateway: PaymentGateway,
        booking_id: int,
        amount: int,
        *,
        actor: Actor | None = None,
        reason: str = "goodwill",
    ) -> RefundOutcome:
        """A refund decided and committed, then sent by its caller through ``gateway``, as
        the admin CLI does (held from the stack's worker)."""
        async with self.uows() as uow:
            ids = await refund_booking(
                uow,
                booking_id,
                amount,
                reason=reason,
                actor=actor or Actor.system(),
                now=self.clock.now(),
                held=True,
            )
            await uow.commit()
        return await send_held(self.uows, gateway, ids, now=self.clock.now())


async def eventually(check: Callable[[], Awaitable[bool]], what: str, wait: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {wait} s waiting for {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def fake_stripe(clock: FixedClock) -> AsyncIterator[FakeStripe]:
    """The fake Stripe on loopback with the tests' key and webhook secret, stopped on exit."""
    running = await FakeStripe(API_KEY, WEBHOOK_SECRET, clock).start()
    try:
        yield running
    finally:
        await running.close()


@asynccontextmanager
async def payment_stack(
    database_url: str, clock: FixedClock, *, stripe: bool = True, **settings: Any
) -> AsyncIterator[Stack]:
    """Everything started on loopback; stopped (worker, servers, engine) on exit."""
    fake = await FakeStripe(API_KEY, WEBHOOK_SECRET, clock).start()
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if stripe:
        settings |= {
            "stripe_secret_key": API_KEY,
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "stripe_api_url": fake.url,
        }
    config = Settings(
        _env_file=None,
        database_url=database_url,
        public_url=url,
        smtp_url=f"smtp://127.0.0.1:{controller.port}",
        payments_link_secret=LINK_SECRET,
        sandbox_enabled=True,
        telegram_client_token=None,
        telegram_provider_token=None,
        twilio_account_sid=None,
        **settings,
    )
    container = build_core(config, clock=clock)
    runner = web.AppRunner(build_app(container))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    fake.webhook_url = f"{url}/webhooks/stripe"
    http = aiohttp.ClientSession()
    try:
        now = clock.now()
        owner, _, service_id = await make_provider(container.uows, now, slug=PROVIDER_SLUG)
        stack = Stack(url, fake, mailbox, container, clock, http, owner, service_id)
        await stack.send("provider", PROVIDER_SLUG, text="/start")
        yield stack
    finally:
        await http.close()
        await runner.cleanup()
        await fake.close()
        controller.stop()


@asynccontextmanager
async def sqlite_payment_stack(
    directory: Path, clock: FixedClock, name: str = "pay.db"
) -> AsyncIterator[Stack]:
    """`payment_stack` on a SQLite file in ``directory``, built by the real migrations."""
    url = f"sqlite+aiosqlite:///{directory / name}"
    migrate(url)
    async with payment_stack(url, clock) as running:
        yield running
