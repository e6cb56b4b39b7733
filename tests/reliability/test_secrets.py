"""Secrets: bot tokens, the webhook secrets, API keys and the link secret never show in a
log line, a page, an error answer, /metrics, or a message sent to anyone.

A whole journey runs with a distinctive value for each secret, in process (logs captured
at DEBUG behind the redaction `mounasabet` installs) and as a real `mounasabet serve`
process (its whole output read); every answer and every outbound message is kept, and
each is searched for each secret.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from core.redaction import Redactor, install
from tests.fakes import FakeTelegramAPI, FakeUser
from tests.fakes.stripe_api import FakeStripe, sign
from tests.fakes.twilio_api import FakeTwilioAPI
from tests.reliability.journeys import connect_provider, to_summary
from tests.reliability.serve_process import ChannelsServe, channel_settings
from tests.reliability.world import (
    CLIENT_TOKEN,
    SECRETS,
    STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET,
    TELEGRAM_SECRET,
    TWILIO_FROM,
    TWILIO_SID,
    TWILIO_TOKEN,
    World,
    text_update,
)
from tests.support.migrated import migrate
from tests.support.telegram_app import SECRET_HEADER

PAGES = (
    "/",
    "/providers",
    "/providers/studio-atlas",
    "/healthz",
    "/metrics",
    "/status",
    "/sandbox",
    "/no/such/page",
    "/webhooks/stripe",  # GET: 405
)


def leaks(text: str) -> list[str]:
    """The names of the secrets ``text`` contains."""
    return [name for name, value in SECRETS.items() if value in text]


def outbound(w: World) -> str:
    """Everything our code sent out: Bot API calls and Twilio messages, as JSON (but
    setWebhook, which must give Telegram the secret it is to send back)."""
    calls = [c.params for c in w.telegram.calls() if c.method != "setWebhook"]
    whatsapp = [(m.body, m.media_urls, m.content_variables) for m in w.twilio.messages]
    return json.dumps([calls, whatsapp], ensure_ascii=False, default=str)


async def test_a_whole_journey_in_process_leaks_no_secret(
    on_sqlite: World, caplog: pytest.LogCaptureFixture
) -> None:
    w, answers = on_sqlite, []
    caplog.set_level(logging.DEBUG)
    undo = install(Redactor(w.container.settings.secret_values()))  # as `mounasabet` does
    try:
        client, owner = FakeUser(id=8100, first_name="Nadia"), FakeUser(id=8200, first_name="K")
        await connect_provider(w, owner)
        await to_summary(w, client, "20 June", "0612345678")
        await w.tap(client, "confirm")
        await w.quiet()
        await w.tap(owner, "pacc:1", bot="provider")
        await w.quiet()
        session_id = next(iter(w.stripe.sessions))
        for event in w.stripe.pay_checkout(session_id):
            assert await w.stripe.post_event(event) == 200
        await w.quiet()
        # Refusals and errors log and answer too.
        assert await w.post_update("client", text_update(1, client, "x"), secret="wrong") == 403
        assert await w.stripe.post_event(w.stripe.event("x", {}), secret="whsec_wrong1234") == 400
        assert (await w.twilio.user_sends("+212661100000", "salam", signature="bad")).status == 403
        assert (await w.twilio.user_sends("+212661100000", "salam")).status == 200
        await w.quiet()
        for path in PAGES:
            async with w.http.get(w.url + path) as resp:
                answers.append(f"{path} {resp.status} {dict(resp.headers)} {await resp.text()}")
    finally:
        undo()
    assert len(w.telegram.calls("sendDocument")) == 1  # the journey went as far as an invoice
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert len(caplog.records) > 20  # the journey was logged at all
    assert leaks(logged) == [], [line for line in logged.splitlines() if leaks(line)][:5]
    assert leaks("\n".join(answers)) == []
    assert leaks(outbound(w)) == []


async def test_mounasabet_serve_prints_no_secret(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    migrate(url)
    async with (
        FakeTelegramAPI(rate_limits=None) as telegram,
        FakeTwilioAPI(
            account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, whatsapp_from=TWILIO_FROM
        ) as twilio,
    ):
        stripe = await FakeStripe(STRIPE_KEY, STRIPE_WEBHOOK_SECRET, telegram.clock).start()
        server = ChannelsServe(
            url, telegram, tmp_path, settings=channel_settings(telegram, twilio, stripe)
        )
        answers: list[str] = []
        try:
            await server.start()
            twilio.connect(public_url=server.url, local_url=server.url)
            stripe.webhook_url = server.url + "/webhooks/stripe"
            user = FakeUser(id=5001, first_name="Salma")
            delivery = await telegram.user_sends_text(CLIENT_TOKEN, user, "/start")
            assert delivery.status == 200
            http = telegram._client
            assert http is not None
            bad = {SECRET_HEADER: TELEGRAM_SECRET[::-1]}
            async with http.post(
                server.url + "/webhooks/telegram/client",
                json=text_update(9, user, "hi"),
                headers=bad,
            ) as resp:
                answers.append(await resp.text())
                assert resp.status == 403
            body = b'{"id": "evt_1", "type": "x", "data": {"object": {}}}'
            old = sign(body, STRIPE_WEBHOOK_SECRET, int(time.time()) - 3600)
            async with http.post(
                server.url + "/webhooks/stripe", data=body, headers={"Stripe-Signature": old}
            ) as resp:
                answers.append(await resp.text())
                assert resp.status == 400
            assert (await twilio.user_sends("+212661100000", "salam", signature="x")).status == 403
            assert (await twilio.user_sends("+212661100000", "salam")).status == 200
            for path in PAGES:
                async with http.get(server.url + path) as resp:
                    answers.append(f"{resp.status} {dict(resp.headers)} {await resp.text()}")
        finally:
            await server.stop()
            await stripe.close()
    printed = server.log()
    full = (tmp_path / f"serve-{server.runs}.log").read_text(errors="replace")
    assert "webhook" in full.lower() or "GET /healthz" in full  # it did print its work
    assert leaks(full) == [], [line for line in full.splitlines() if leaks(line)][:5]
    assert leaks("\n".join(answers)) == []
    assert printed
