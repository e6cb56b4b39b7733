"""Issue 12 item 9: no secret in a log line or a stored error.

The worker runs as `mounasabet worker` against a Bot API URL that redirects to an address
quoting the bot token, in the redirect and in the page behind it; its stderr and the
outbox row must not show the token. The redactor and its logging filter are also checked
on their own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from core.bootstrap import build_core
from core.db.tables import ChannelIdentity, Flag, OutboxMessage, User
from core.notifications.outbox import enqueue
from core.redaction import MASK, Redactor, install, redact
from core.settings import Settings
from core.support.tickets import raise_flag
from core.uow import UnitOfWorkFactory
from dialogs.framework.replies import Reply
from tests.support.migrated import migrate

MOUNASABET = Path(sys.executable).with_name("mounasabet")
TOKEN = "111111:CLIENTTOKEN"
SMTP_PASSWORD = "p@ss:word/42"


def test_configured_secrets_are_masked_as_typed_and_as_in_urls() -> None:
    settings = Settings(
        _env_file=None,
        telegram_client_token=TOKEN,
        telegram_webhook_secret="hook-secret-1",
        stripe_webhook_secret="whsec_abcdef123456",
        twilio_auth_token="twilio-token-99",
        smtp_url="smtp://mailer:p%40ss%3Aword%2F42@mail.example:587",
    )
    scrub = Redactor(settings.secret_values())
    text = (
        f"GET https://api.telegram.org/bot{TOKEN}/sendMessage and "
        "https://x/bot111111%3ACLIENTTOKEN/ hook-secret-1 twilio-token-99 whsec_abcdef123456 "
        f"{SMTP_PASSWORD} smtp://mailer:p%40ss%3Aword%2F42@mail.example"
    )
    cleaned = scrub(text)
    for secret in ("CLIENTTOKEN", "hook-secret-1", "twilio-token-99", "whsec_abc", "word"):
        assert secret not in cleaned, (secret, cleaned)
    assert "https://api.telegram.org/bot" + MASK + "/sendMessage" in cleaned


def test_unconfigured_secrets_are_masked_by_their_shape() -> None:
    scrub = Redactor()
    for secret in (
        "sk_live_51Habcdefghijklmnop",
        "rk_test_abcdefgh12345678",
        "whsec_0123456789abcdef",
        "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    ):
        assert scrub(f"error with {secret} inside") == f"error with {MASK} inside"
    assert scrub("smtps://user:hunter2@mail.example") == f"smtps://{MASK}@mail.example"
    assert scrub("booking MSB-2026-000042 for 1500 MAD at 10:30") == (
        "booking MSB-2026-000042 for 1500 MAD at 10:30"
    )


def test_the_installed_filter_masks_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("tests.redaction")
    undo = install(Redactor([TOKEN]), logging.getLogger())
    # pytest's capture handler sits on the root logger: the filter is installed on it too.
    try:
        try:
            raise RuntimeError(f"redirected to /bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("call failed for %s", f"bot{TOKEN}")
        assert redact(f"stored {TOKEN}") == f"stored {MASK}"
    finally:
        undo()
    assert TOKEN not in caplog.text and "CLIENTTOKEN" not in caplog.text
    assert f"call failed for bot{MASK}" in caplog.text and "RuntimeError" in caplog.text
    assert redact(f"stored {TOKEN}") == f"stored {TOKEN}"  # undone: shapes only


@pytest.fixture
async def redirecting_api() -> AsyncIterator[str]:
    """A "Bot API" that sends every call elsewhere, quoting the token in the new address
    and in the pages it serves."""

    async def moved(request: web.Request) -> web.Response:
        target = f"/moved{request.path}"
        return web.Response(
            status=302, headers={"Location": target}, text=f"<a href='{target}'>moved</a>"
        )

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=404, text=f"<h1>No {request.path} here</h1>")

    app = web.Application()
    app.router.add_route("*", "/moved/{tail:.*}", gone)
    app.router.add_route("*", "/{tail:.*}", moved)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def queue_a_message(url: str) -> None:
    container = build_core(Settings(_env_file=None, database_url=url))
    now = datetime.now(UTC)
    async with container.uows() as uow:
        user = User(role="client", display_name="Salma", locale="fr", created_at=now)
        uow.session.add(user)
        await uow.session.flush()
        uow.session.add(
            ChannelIdentity(
                user_id=user.id, channel="telegram_client", external_id="5001", created_at=now
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
    await container.close()


async def last_error(url: str) -> str | None:
    container = build_core(Settings(_env_file=None, database_url=url))
    async with container.uows() as uow:
        row = await uow.session.scalar(select(OutboxMessage))
        assert row is not None
        found = row.last_error if row.attempts else None
    await container.close()
    return found


async def test_a_redirecting_bot_api_leaks_the_token_nowhere(
    tmp_path: Path, redirecting_api: str
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}"
    migrate(url)
    await queue_a_message(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOUNASABET_")} | {
        "MOUNASABET_DATABASE_URL": url,
        "MOUNASABET_TELEGRAM_CLIENT_TOKEN": TOKEN,
        "MOUNASABET_TELEGRAM_API_URL": redirecting_api,
    }
    worker = await asyncio.create_subprocess_exec(
        str(MOUNASABET), "worker", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stored = None
    try:
        for _ in range(200):
            stored = await last_error(url)
            if stored is not None:
                break
            await asyncio.sleep(0.1)
    finally:
        worker.terminate()
        out, err = await worker.communicate()
    logged = out.decode() + err.decode()
    assert stored is not None, logged
    assert "CLIENTTOKEN" not in stored and "CLIENTTOKEN" not in logged, (stored, logged)
    assert "<h1>" not in stored and "<a href" not in stored  # no upstream page word for word


async def test_errors_quoted_in_flags_are_masked(uows: UnitOfWorkFactory) -> None:
    undo = install(Redactor([TOKEN]))
    try:
        async with uows() as uow:
            raise_flag(
                uow,
                kind="bot_blocked",
                subject_type="user",
                subject_id=1,
                now=datetime.now(UTC),
                details={"error": f"Forbidden at /bot{TOKEN}/sendMessage", "outbox_id": 7},
            )
            await uow.commit()
    finally:
        undo()
    async with uows() as uow:
        flag = await uow.session.scalar(select(Flag))
        assert flag is not None
        assert flag.details == {"error": f"Forbidden at /bot{MASK}/sendMessage", "outbox_id": 7}
