"""Attacks on the running server's HTTP surface (issue 12, items 6, 11 and 14; issue 20's
Telegram secret): whatever arrives before authentication answers 400 or 403, signed but
malformed input answers 400, never 500, and nothing is stored — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.db.engine import make_engine
from core.db.tables import Base, OutboxMessage, ProcessedEvent, User
from tests.support.served import (
    TELEGRAM_SECRET,
    Served,
    event_body,
    request_bytes,
    served,
    status_of,
    stripe_signature,
)

FORM = b"application/x-www-form-urlencoded"
NESTED = b'{"pane": "client", "chat": "x", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}"
UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 0, "text": "/start",
          "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": False,
          "first_name": "Mehdi"}}}  # fmt: skip


def url_of(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
async def sqlite(tmp_path: Path) -> str:
    """For HTTP-only tests (and one that breaks a table on purpose): a file of its own."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'http.db'}"
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    return url


@pytest.fixture
async def app(engine: AsyncEngine, clock: FixedClock) -> AsyncIterator[Served]:
    async with served(url_of(engine), clock) as running:
        yield running


async def traces(app: Served) -> tuple[int, ...]:
    tables: tuple[type[Base], ...] = (User, ProcessedEvent, OutboxMessage)
    async with app.container.uows() as uow:
        return tuple(
            [
                int(await uow.session.scalar(select(func.count()).select_from(t)) or 0)
                for t in tables
            ]
        )


async def post(app: Served, path: str, body: bytes, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(app.url + path, data=body, headers=headers) as resp,
    ):
        return resp.status


# ---- issue 20: no secret, no Telegram webhook ----------------------------------------------


async def test_without_a_webhook_secret_every_telegram_request_is_refused(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    async with served(url_of(engine), clock, telegram_webhook_secret=None) as app:
        body = json.dumps(UPDATE).encode()
        for kind in ("client", "provider"):
            path = f"/webhooks/telegram/{kind}"
            for secret in ("", "None", "null", TELEGRAM_SECRET):
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
                assert await post(app, path, body, headers) == 403, (kind, secret)
            assert await post(app, path, body, {}) == 403
        assert await traces(app) == (0, 0, 0)


# ---- item 6: before authentication, 400 or 403 ---------------------------------------------


async def test_unauthenticated_garbage_gets_400_or_403_on_every_webhook(app: Served) -> None:
    bad_utf8 = b"\xff\xfe\xfa"
    twilio = (b"/webhooks/twilio/whatsapp", b"/webhooks/twilio/status")
    attacks: list[tuple[bytes, dict[bytes, bytes], bytes, tuple[int, ...]]] = []
    for path in twilio:
        attacks += [
            (path, {b"Content-Type": FORM}, bad_utf8, (400,)),  # issue 12's reproduction
            (path, {b"Content-Type": FORM}, b"Body=%FF%FE&From=x", (400,)),
            (path, {b"Content-Type": FORM + b"; charset=bogus"}, b"Body=hi", (400,)),
            (path, {b"Content-Type": FORM, b"X-Twilio-Signature": bad_utf8}, b"a=b", (403,)),
            (path, {b"Content-Type": b"multipart/form-data; boundary=x"}, b"--x--", (403,)),
        ]
    for kind in (b"client", b"provider"):
        path = b"/webhooks/telegram/" + kind
        attacks += [
            (path, {b"X-Telegram-Bot-Api-Secret-Token": bad_utf8}, b"{}", (403,)),
            (path, {b"X-Telegram-Bot-Api-Secret-Token": "sécret".encode()}, b"{}", (403,)),
        ]
    stripe = b"/webhooks/stripe"
    attacks += [
        (stripe, {b"Stripe-Signature": bad_utf8}, b"{}", (400,)),
        (stripe, {b"Stripe-Signature": b"t=1,v1=" + bad_utf8}, b"{}", (400,)),
        (stripe, {b"Stripe-Signature": stripe_signature(b"{}").encode()}, bad_utf8, (400,)),
        (b"/sandbox/api/send", {b"Content-Type": b"application/json"}, bad_utf8, (400,)),
    ]
    for path, headers, body, expected in attacks:
        answer = await app.raw(request_bytes("POST", path, headers, body))
        assert status_of(answer) in expected, (path, headers, body, answer[:200])
    assert await traces(app) == (0, 0, 0)


# ---- item 11: signed but malformed, 400 ----------------------------------------------------


async def test_signed_stripe_bodies_that_are_not_events_get_400(app: Served) -> None:
    deep = b'{"id": "evt_1", "type": "x", "data": {"object": {"a": ' + b"[" * 5000
    deep += b"]" * 5000 + b"}}}"
    for body in (b"null", b"[]", b"1", b'"x"', b"{}", b'{"id": 1}', deep):
        headers = {"Stripe-Signature": stripe_signature(body), "Content-Type": "application/json"}
        assert await post(app, "/webhooks/stripe", body, headers) == 400, body[:30]
    assert await traces(app) == (0, 0, 0)


async def test_a_signed_twilio_request_carrying_nul_gets_400(app: Served) -> None:
    base = {"MessageSid": "SM" + "1" * 32, "From": "whatsapp:+212661234567", "Body": "salam"}
    cases = [
        ("/webhooks/twilio/whatsapp", base | {"MessageSid": "SM\x00" + "1" * 31}),
        ("/webhooks/twilio/whatsapp", base | {"Body": "sa\x00lam"}),
        ("/webhooks/twilio/status", {"MessageSid": "SM\x00", "MessageStatus": "delivered"}),
    ]
    async with aiohttp.ClientSession() as http:
        for path, params in cases:
            headers = {"X-Twilio-Signature": app.twilio_signature(path, params)}
            async with http.post(app.url + path, data=params, headers=headers) as resp:
                assert resp.status == 400, (path, params, await resp.text())
        # The same request without NUL goes through: the 400 is about the NUL.
        params = base | {"Body": "salam"}
        headers = {"X-Twilio-Signature": app.twilio_signature(cases[0][0], params)}
        async with http.post(app.url + cases[0][0], data=params, headers=headers) as resp:
            assert resp.status == 200
    assert (await traces(app))[1] == 1  # only the clean message was claimed


async def test_a_sandbox_body_nested_5000_deep_or_carrying_nul_gets_400(app: Served) -> None:
    headers = {"Content-Type": "application/json"}
    nul = json.dumps({"pane": "client", "chat": "x", "text": "hi", "name": "a\x00b"}).encode()
    for path in ("/sandbox/api/send", "/sandbox/api/language"):
        assert await post(app, path, NESTED, headers) == 400
        assert await post(app, path, nul, headers) == 400
    assert await traces(app) == (0, 0, 0)


# ---- item 14: Stripe's tolerance on both sides ---------------------------------------------


@pytest.mark.parametrize(
    ("offset", "status"), [(-600, 400), (-250, 200), (0, 200), (250, 200), (600, 400)]
)
async def test_a_stripe_signature_is_accepted_only_within_300_s_either_way(
    app: Served, offset: int, status: int
) -> None:
    body = event_body()
    headers = {"Stripe-Signature": stripe_signature(body, at=time.time() + offset)}
    assert await post(app, "/webhooks/stripe", body, headers) == status


# ---- item 5: /metrics counts every answer --------------------------------------------------


async def metric(app: Served) -> dict[str, float]:
    async with aiohttp.ClientSession() as http, http.get(app.url + "/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "mounasabet_http_responses_total":  # summed over the routes
                status = sample.labels["status"]
                counts[status] = counts.get(status, 0.0) + sample.value
    return counts


async def test_metrics_count_errors_raised_refusals_and_unparsable_requests(
    sqlite: str, clock: FixedClock
) -> None:
    async with served(sqlite, clock) as app:
        async with aiohttp.ClientSession() as http:
            async with http.get(app.url + "/healthz") as resp:
                assert resp.status == 200
            async with http.get(app.url + "/no/such/page") as resp:
                assert resp.status == 404  # the router's, before any handler
            async with http.get(app.url + "/webhooks/stripe") as resp:
                assert resp.status == 405
            async with http.post(app.url + "/sandbox/api/send", data=b"[") as resp:
                assert resp.status == 400  # raised by the handler as HTTPBadRequest
            # A failure nobody planned: the table the sandbox reads is gone -> 500.
            async with app.container.engine.begin() as conn:
                await conn.exec_driver_sql("ALTER TABLE providers RENAME TO providers_gone")
            async with http.get(app.url + "/sandbox/api/providers") as resp:
                assert resp.status == 500
        # Not HTTP at all: aiohttp's parser answers 400 before the app sees anything.
        assert status_of(await app.raw(b"GARBAGE\x00 / HTTP/1.1\r\n\r\n")) == 400
        counts = await metric(app)
    assert counts["200"] >= 1 and counts["404"] == 1 and counts["405"] == 1
    assert counts["500"] == 1 and counts["400"] == 2


# ---- item 14: slow clients -----------------------------------------------------------------


async def test_slow_clients_are_cut_off_and_do_not_hold_up_others(
    sqlite: str, clock: FixedClock
) -> None:
    async with served(sqlite, clock, http_read_seconds=1.0) as app:
        # 200 connections that send half a request head and then nothing.
        slow = []
        for _ in range(200):
            reader, writer = await asyncio.open_connection("127.0.0.1", app.port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append((reader, writer))
        try:
            async with aiohttp.ClientSession() as http:
                started = time.monotonic()
                async with http.get(app.url + "/healthz") as resp:
                    assert resp.status == 200
                assert time.monotonic() - started < 1.0
            # Each slow head is cut off once its time is up: the server closes, unanswered.
            reader, _ = slow[0]
            assert await asyncio.wait_for(reader.read(), 5.0) == b""
            # A body that trickles in gets 408 when its time is up.
            head = request_bytes("POST", b"/sandbox/api/send", {}, b"x" * 100)
            started = time.monotonic()
            answer = await app.raw(head[: -100 + 10])
            assert status_of(answer) == 408 and time.monotonic() - started < 4.0
        finally:
            for _, writer in slow:
                writer.close()
