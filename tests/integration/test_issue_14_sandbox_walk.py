"""Issue 14: "`make run PORT=8091` completes a paid, delivered and reviewed booking in the
sandbox with every link working."

The real program (`mounasabet serve --port N`, N not 8080) runs as a subprocess with the
sandbox and the offline payment gateway, as `make run` starts it; the test is a user at
the sandbox's HTTP API and a browser at the links the chats give: the client searches and
books, the provider accepts, the client pays the deposit on the offline page, the sandbox
skips a week past the event, the provider marks it delivered, the client confirms (the
balance is taken with the card saved with the deposit), and rates the provider. Every URL
the chats showed answers 200 on the served port; the booking ends completed and the review
is on the provider's site page.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from core.bootstrap import build_uow_factory
from core.clock import SystemClock
from core.db.engine import make_engine
from core.db.tables import Booking
from core.db.tables_reviews import Review
from tests.support.factories import make_provider
from tests.support.migrated import migrate
from tests.support.payments import free_port

MOUNASABET = Path(sys.executable).parent / "mounasabet"
URL = re.compile(r"https?://[^\s<>\"']+")
SLUG = "studio-atlas"
COMMENT = "Wonderful photos, right on time"
WALK_SECONDS = 60  # the walk itself, once the server listens


@dataclass
class Sandbox:
    """A person at the sandbox's JSON API: both panes, every message kept."""

    http: aiohttp.ClientSession
    url: str
    seen: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    async def send(self, pane: str, chat: str, **say: str) -> None:
        body = {"pane": pane, "chat": chat, "language": "en", **say}
        async with self.http.post(f"{self.url}/sandbox/api/send", json=body) as response:
            assert response.status == 200, await response.text()
            self.seen[pane, chat] = (await response.json())["messages"]

    async def messages(self, pane: str, chat: str) -> list[dict[str, Any]]:
        params = {"pane": pane, "chat": chat, "after": "0"}
        async with self.http.get(f"{self.url}/sandbox/api/messages", params=params) as response:
            assert response.status == 200
            self.seen[pane, chat] = (await response.json())["messages"]
        return self.seen[pane, chat]

    async def button(self, pane: str, chat: str, code: str) -> dict[str, Any]:
        """The newest button whose payload is, or ends with, ``code`` (as a person taps the
        button on the screen in front of them)."""

        found: list[dict[str, Any]] = []

        async def offered() -> bool:
            for message in reversed(await self.messages(pane, chat)):
                for row in message.get("buttons") or ():
                    for b in row:
                        payload = str(b.get("payload", ""))
                        if payload == code or payload.endswith("|" + code):
                            found.append(b)
                            return True
            return False

        await until(offered, f"a button {code!r} in the {pane} chat {chat}")
        return found[0]

    async def tap(self, pane: str, chat: str, code: str) -> None:
        button = await self.button(pane, chat, code)
        await self.send(pane, chat, payload=str(button["payload"]))

    async def said(self, pane: str, chat: str, words: str) -> dict[str, Any]:
        """The newest bot message containing ``words``, waiting for it."""
        found: list[dict[str, Any]] = []

        async def arrived() -> bool:
            found[:] = [
                m
                for m in await self.messages(pane, chat)
                if m["from"] == "bot" and words in m["text"]
            ]
            return bool(found)

        await until(arrived, f"{words!r} in the {pane} chat {chat}")
        return found[-1]

    def urls(self) -> set[str]:
        """Every URL the chats have shown: in texts, on buttons, as documents."""
        found: set[str] = set()
        for messages in self.seen.values():
            for m in messages:
                if m["from"] != "bot":
                    continue
                found.update(u.rstrip(".,;:)") for u in URL.findall(m["text"]))
                found.update(
                    b["url"] for row in m.get("buttons") or () for b in row if b.get("url")
                )
                if m.get("document"):
                    found.add(m["document"]["url"])
        return found


async def until(check: Callable[[], Awaitable[bool]], what: str, wait: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def port_not_8080() -> int:
    while (port := free_port()) == 8080:
        pass
    return port


@contextlib.asynccontextmanager
async def served(tmp_path: Path, db_url: str) -> AsyncIterator[str]:
    """`mounasabet serve --port N` with the environment of a laptop: no public URL, no
    Stripe key (so the sandbox, the offline gateway and time travel are on)."""
    port = port_not_8080()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOUNASABET_")}
    env |= {
        "MOUNASABET_DATABASE_URL": db_url,
        # Sweeps every second and a short lease, so the review request follows the
        # completion within the test's time rather than a minute later.
        "MOUNASABET_SWEEP_INTERVAL_SECONDS": "1",
        "MOUNASABET_SCHEDULER_LEASE_SECONDS": "3",
    }
    log = (tmp_path / "serve.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(MOUNASABET), "serve", "--port", str(port), env=env, cwd=tmp_path, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def up() -> bool:
                assert proc.returncode is None, (tmp_path / "serve.log").read_text()
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/healthz") as response:
                        return response.status == 200
                return False

            await until(up, "serve listening", wait=60)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        log.close()


@pytest.fixture
async def db_url(tmp_path: Path) -> AsyncIterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'walk.db'}"
    migrate(url)
    engine = make_engine(url)
    await make_provider(build_uow_factory(engine), SystemClock().now(), slug=SLUG)
    await engine.dispose()
    yield url


async def booking_and_review(db_url: str) -> tuple[Booking, Review | None]:
    engine = make_engine(db_url)
    try:
        async with build_uow_factory(engine)() as uow:
            booking = await uow.session.scalar(select(Booking))
            review = await uow.session.scalar(select(Review))
            assert booking is not None
            uow.session.expunge_all()
            return booking, review
    finally:
        await engine.dispose()


async def test_a_sandbox_booking_is_paid_delivered_and_reviewed_with_every_link_working(
    tmp_path: Path, db_url: str
) -> None:
    async with served(tmp_path, db_url) as url, aiohttp.ClientSession() as http:
        async with asyncio.timeout(WALK_SECONDS):
            await walk(Sandbox(http, url), http, url)
        booking, review = await booking_and_review(db_url)
        assert booking.state == "completed"
        assert booking.paid_minor == booking.total_minor
        assert review is not None and (review.stars, review.comment) == (5, COMMENT)


async def walk(sb: Sandbox, http: aiohttp.ClientSession, url: str) -> None:
    client, provider = ("client", "nadia"), ("provider", SLUG)

    # The client searches, opens the provider and books the first free date offered.
    await sb.send(*client, text="/start")
    await sb.send(*client, text="photographer in Rabat")
    await sb.tap(*client, "open:1")
    book = await sb.button(*client, "book:1")
    await sb.send(*client, payload=str(book["payload"]))
    await sb.tap(*client, "evt:birthday")
    day = next(
        str(b["payload"])
        for m in reversed(await sb.messages(*client))
        for row in m.get("buttons") or ()
        for b in row
        if "|day:" in str(b["payload"])
    )
    await sb.send(*client, payload=day)
    await sb.tap(*client, "gst:50")
    await sb.send(*client, text="Villa Les Roses")
    await sb.tap(*client, "skip")  # notes
    await sb.send(*client, text="Nadia Benali")
    await sb.send(*client, text="0612345678")
    await sb.tap(*client, "skip")  # email
    await sb.tap(*client, "confirm")

    # The provider accepts from the request's card.
    await sb.send(*provider, text="/start")
    accept = await sb.button(*provider, "g|pacc:1")
    await sb.send(*provider, payload=str(accept["payload"]))

    # The client pays the deposit on the page the chat links to, as a browser would.
    pay = await sb.button(*client, "g|pay:1")
    link = str(pay.get("url", ""))
    assert link.startswith(f"{url}/pay/"), link
    async with http.get(link) as page:
        assert page.status == 200
    async with http.post(link, data={"action": "pay"}) as done:
        assert done.status == 200 and done.url.path == "/pay/done"
    await sb.said(*client, "Deposit received")
    await sb.said(*client, "Your invoice MSB-")

    # Too early: the event is days away. The sandbox skips a week past it.
    async with http.get(f"{url}/sandbox/api/time") as response:
        before = await response.json()
    assert before["enabled"] is True and before["skipped_seconds"] == 0
    async with http.post(f"{url}/sandbox/api/time", json={"skip": "week"}) as response:
        assert response.status == 200
        after = await response.json()
    assert after["skipped_seconds"] == 7 * 24 * 3600
    assert after["market_time"] > before["market_time"]

    # The provider marks it delivered, from the booking's screen.
    await sb.tap(*provider, "g|pdash")
    await sb.tap(*provider, "bk:1")
    await sb.tap(*provider, "dlv")
    await sb.tap(*provider, "none")  # delivered without a proof

    # The client confirms; the balance is taken with the card saved with the deposit.
    await sb.tap(*client, "g|cdl:1")
    await sb.said(*client, "Balance received")
    await sb.said(*client, "Your invoice MSB-2026-000002")

    # The review request comes from the scheduler, on the sandbox's clock.
    await sb.tap(*client, "g|rv:1:5")
    await sb.send(*client, text=COMMENT)
    await sb.said(*client, "Your review (★★★★★) is published")

    async def on_site() -> bool:
        async with http.get(f"{url}/en/providers/{SLUG}") as page:
            return page.status == 200 and COMMENT in await page.text()

    await until(on_site, "the review on the provider's site page")

    # Every link the chats gave: on the port served, and answering.
    await sb.messages(*client)
    await sb.messages(*provider)
    links = sb.urls()
    assert {u for u in links if "/invoices/" in u} and {u for u in links if "/pay/" in u}
    for link in sorted(links):
        assert link.startswith(url + "/"), link
        async with http.get(link) as response:
            assert response.status == 200, link
