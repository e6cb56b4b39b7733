"""Issue 13: becoming a provider from the sandbox's provider pane ("A new provider"), as on
Telegram and WhatsApp. Registering needs a phone the channel proves: on a laptop (no
public URL) the sandbox vouches for the number shared in a sign-up chat, as Telegram's
contact button does; behind a public URL a web page proves nothing, and the number is
only text (issue 12). The whole app on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.db.tables import Provider, User
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from tests.support.served import Served, served

EN = translator("en")
BIO = "Wedding photographer in Rabat for ten years: reports, portraits and albums."
CREATED = EN(
    "Thank you! Your provider account is created. Our team will check it and tell you "
    "here when it is verified; until then clients cannot find you."
)


class SignUpPane:
    """The provider pane on "A new provider": the page names the chat new-…."""

    def __init__(self, http: aiohttp.ClientSession, app: Served, chat: str) -> None:
        self.http, self.app, self.chat, self.seen = http, app, chat, 0
        self.messages: list[dict[str, Any]] = []

    async def send(self, **fields: str) -> list[str]:
        body = {"pane": "provider", "chat": self.chat, "after": self.seen, "language": "en"}
        async with self.http.post(self.app.url + "/sandbox/api/send", json=body | fields) as resp:
            assert resp.status == 200, await resp.text()
            new: list[dict[str, Any]] = (await resp.json())["messages"]
        self.messages += new
        self.seen = max([self.seen, *(m["seq"] for m in new)])
        return [m["text"] or "" for m in new if m["from"] == "bot"]

    async def tap(self, code: str) -> list[str]:
        """Press the newest button whose payload ends with ``code``."""
        for message in reversed(self.messages):
            for row in message.get("buttons") or ():
                for button in row:
                    if button["payload"].split("|")[-1] == code:
                        return await self.send(payload=button["payload"])
        raise AssertionError(f"no button {code!r} in the transcript")

    async def register(self) -> list[str]:
        await self.send(text="/start")
        await self.tap("register")
        await self.send(text="Studio Sandbox")
        for code in ("t:photographer", "t:rabat", "t:en"):
            await self.tap(code)
            await self.tap("next")
        return await self.send(contact="0612345678")


async def provider_of_phone(uows: UnitOfWorkFactory, phone: str) -> tuple[str, str] | None:
    """(slug, status) of the provider whose owner's proven phone is ``phone``."""
    async with uows() as uow:
        row = (
            await uow.session.execute(
                select(Provider.slug, Provider.status)
                .join(User, User.id == Provider.user_id)
                .where(User.phone_e164 == phone)
            )
        ).first()
        return None if row is None else (row.slug, row.status)


async def test_a_new_provider_signs_up_from_the_sandbox_on_a_laptop(
    engine: AsyncEngine, uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    async with served(url, clock, public_url=None) as app, aiohttp.ClientSession() as http:
        pane = SignUpPane(http, app, "new-k3v9q2")
        after_phone = await pane.register()
        assert not any(
            EN("Please use the button to share your phone number.") in t for t in after_phone
        )
        await pane.send(text=BIO)
        done = await pane.tap("next")
        assert any(CREATED in text for text in done), done
        assert await provider_of_phone(uows, "+212612345678") == ("studio-sandbox", "pending")
        # An unknown slug is still refused: only "new-…" chats belong to nobody.
        async with http.post(
            app.url + "/sandbox/api/send",
            json={"pane": "provider", "chat": "no-such-studio", "text": "/start"},
        ) as resp:
            assert resp.status == 404


async def test_behind_a_public_url_the_sandbox_proves_no_phone(
    engine: AsyncEngine, uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    async with served(url, clock) as app, aiohttp.ClientSession() as http:  # a public URL
        pane = SignUpPane(http, app, "new-public1")
        after_phone = await pane.register()
        assert any(
            EN("Please use the button to share your phone number.") in t for t in after_phone
        ), after_phone
        assert await provider_of_phone(uows, "+212612345678") is None
