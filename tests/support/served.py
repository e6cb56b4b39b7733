"""The whole app served on loopback as ``mounasabet serve`` serves it (``server_options``
included), with every webhook on: Telegram (the fake Bot API), Twilio, Stripe, sandbox.

For tests that attack the HTTP surface: ``raw`` sends bytes no HTTP client would, and the
signing helpers make Twilio and Stripe requests that pass authentication.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bots.bootstrap import Container, build_container
from bots.web_app import build_app, server_options
from core.clock import Clock
from core.settings import Settings
from tests.fakes import FakeTelegramAPI

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-auth-token-for-tests"
STRIPE_SECRET = "whsec_hardening_tests"
TELEGRAM_SECRET = "hardening-secret"
TOKENS = {"client": "111111:CLIENTTOKEN", "provider": "222222:PROVIDERTOKEN"}


@dataclass
class Served:
    url: str
    port: int
    container: Container

    def twilio_signature(self, path: str, params: dict[str, str]) -> str:
        return str(RequestValidator(TWILIO_TOKEN).compute_signature(self.url + path, params))

    async def raw(self, data: bytes, *, read_for: float = 5.0) -> bytes:
        """Send ``data`` as is on a fresh connection; what came back before it closed."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(data)
            await writer.drain()
            return await asyncio.wait_for(reader.read(65536), read_for)
        finally:
            writer.close()


def stripe_signature(body: bytes, *, at: float | None = None, secret: str = STRIPE_SECRET) -> str:
    stamp = int(time.time() if at is None else at)
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    return f"t={stamp},v1={mac.hexdigest()}"


def status_of(answer: bytes) -> int:
    """The status code of a raw HTTP answer (0 when the server sent nothing)."""
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def request_bytes(method: str, path: bytes, headers: dict[bytes, bytes], body: bytes) -> bytes:
    lines = [method.encode() + b" " + path + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [k + b": " + v for k, v in headers.items()]
    lines += [b"Content-Length: " + str(len(body)).encode(), b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def event_body(kind: str = "customer.created", **data: Any) -> bytes:
    event = {"id": f"evt_{kind}", "object": "event", "type": kind, "data": {"object": data}}
    return json.dumps(event).encode()


@asynccontextmanager
async def served(database_url: str, clock: Clock, **settings: Any) -> AsyncIterator[Served]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
        url = f"http://127.0.0.1:{port}"
        async with FakeTelegramAPI(clock=clock, rate_limits=None) as fake:
            options: dict[str, Any] = {
                "database_url": database_url,
                "public_url": url,
                "offline_payments": True,
                "sandbox_enabled": True,
                "telegram_client_token": TOKENS["client"],
                "telegram_provider_token": TOKENS["provider"],
                "telegram_webhook_secret": TELEGRAM_SECRET,
                "telegram_api_url": fake.base_url,
                "twilio_account_sid": TWILIO_SID,
                "twilio_auth_token": TWILIO_TOKEN,
                "twilio_whatsapp_from": "whatsapp:+212600000000",
                "twilio_api_url": "http://127.0.0.1:9",  # nothing is sent: no worker
                "stripe_webhook_secret": STRIPE_SECRET,
            }
            container = build_container(
                Settings(_env_file=None, **(options | settings)), clock=clock
            )
            app = build_app(container, worker=False)
            runner = web.AppRunner(app, **server_options(app))
            await runner.setup()
            try:
                await web.SockSite(runner, sock).start()
                yield Served(url, port, container)
            finally:
                await runner.cleanup()
