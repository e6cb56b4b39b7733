"""Issue 12 item 4: the offline gateway never takes "payments" on a public deployment by
accident. `mounasabet serve` refuses to start with a public URL and no Stripe key unless
MOUNASABET_OFFLINE_PAYMENTS=1 says it is a demo; then /healthz, the pay page and the chat
say so (in the payer's language)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from core.clock import FixedClock
from core.settings import Settings
from dialogs.i18n.translator import translator
from tests.support.migrated import migrate
from tests.support.payments import Stack, eventually, free_port, payment_stack

MOUNASABET = Path(sys.executable).with_name("mounasabet")
DEMO = "Demo — no money moves."
PAY_LINK = re.compile(r"http://127\.0\.0\.1:\d+/pay/cs_offline_[A-Za-z0-9_-]+")


def cli_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The process environment without any MOUNASABET_* of ours, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOUNASABET_")}
    env["MOUNASABET_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    return env | variables


def test_payment_mode_follows_the_key_the_url_and_the_demo_switch() -> None:
    def mode(**values: object) -> str:
        return Settings(_env_file=None, **values).payment_mode  # type: ignore[arg-type]

    assert mode() == "offline"
    assert mode(public_url="https://mounasabet.ma") == "refused"
    assert mode(public_url="https://demo.mounasabet.ma", offline_payments=True) == "demo"
    assert mode(public_url="https://mounasabet.ma", stripe_secret_key="sk_test_x") == "stripe"


def test_serve_refuses_a_public_url_without_stripe_and_says_why(tmp_path: Path) -> None:
    env = cli_env(tmp_path, MOUNASABET_PUBLIC_URL="https://mounasabet.example")
    done = subprocess.run(
        [str(MOUNASABET), "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,  # no .env file here
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    said = " ".join(done.stderr.split())
    assert "MOUNASABET_STRIPE_SECRET_KEY" in said and "MOUNASABET_OFFLINE_PAYMENTS=1" in said
    assert "no money moves" in said


async def test_serve_runs_a_declared_demo_and_healthz_says_so(tmp_path: Path) -> None:
    env = cli_env(
        tmp_path, MOUNASABET_PUBLIC_URL="https://demo.example", MOUNASABET_OFFLINE_PAYMENTS="1"
    )
    migrate(env["MOUNASABET_DATABASE_URL"])
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        str(MOUNASABET), "serve", "--port", str(port), "--no-worker",
        env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    health: dict[str, object] = {}
    try:
        async with aiohttp.ClientSession() as http:

            async def answers() -> bool:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        health.update(await resp.json())
                        return True
                except aiohttp.ClientConnectionError:
                    assert server.returncode is None, "serve exited"
                    return False

            await eventually(answers, "serve to answer /healthz", wait=30)
    finally:
        server.terminate()
        out, _ = await server.communicate()
    assert health["payments"] == "demo" and health["status"] == "ok"
    assert "payments  demo" in out.decode()


@pytest.fixture
async def demo(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    migrate(url)
    async with payment_stack(url, clock, stripe=False, offline_payments=True) as running:
        yield running


async def test_the_demo_says_no_money_moves_in_the_chat_and_on_the_page(demo: Stack) -> None:
    client = await demo.client("nadia", email_address=None, locale="fr")
    booking_id = await demo.book(client, days_ahead=20)
    await demo.accept(booking_id)
    french = translator("fr")(DEMO)
    assert french != DEMO

    async def linked() -> bool:
        return bool(PAY_LINK.search("\n".join(await demo.bot_texts("client", "nadia"))))

    await eventually(linked, "the deposit link in the client's chat")
    [news] = [t for t in await demo.bot_texts("client", "nadia") if PAY_LINK.search(t)]
    assert french in news
    link = PAY_LINK.findall(news)[-1]
    async with demo.http.get(link) as page:
        assert french in await page.text()
    # Anyone may post to the page: what is not a UTF-8 form presses nothing (and is no 500).
    form = "application/x-www-form-urlencoded"
    for body, kind in ((b"action=pay\xff", form), (b"action=pay", form + "; charset=bogus")):
        async with demo.http.post(link, data=body, headers={"Content-Type": kind}) as resp:
            assert resp.status == 400
    assert (await demo.booking(booking_id)).state == "accepted"
    # Asked for again from the booking: the same warning under the fresh link.
    again = "\n".join(
        m["text"] for m in await demo.send("client", "nadia", payload=f"g|pay:{booking_id}")
    )
    assert PAY_LINK.search(again) and french in again
    async with demo.http.get(demo.url + "/healthz") as resp:
        assert (await resp.json())["payments"] == "demo"
