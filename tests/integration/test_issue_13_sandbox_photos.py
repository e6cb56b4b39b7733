"""Issue 13: a provider in the sandbox's provider pane sends photos, as on Telegram and
WhatsApp. The whole app on loopback (``mounasabet serve``'s own, HTTP limits included),
on SQLite and PostgreSQL: the page's upload route hands the file to the provider bot's
photo step, core checks it and keeps a resized JPEG with its thumbnail (Pillow), and the
bot answers in the provider's language, a refusal included."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from core.catalog.photo_checks import MAX_PHOTO_BYTES
from core.catalog.photo_store import thumbnail_url
from core.clock import FixedClock
from core.db.tables import Provider
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from dialogs.provider.choices import NOT_A_PHOTO, PHOTO_TOO_BIG
from tests.support.factories import make_provider
from tests.support.pictures import opened, picture
from tests.support.served import Served, served

FR = translator("fr")  # the provider's language (tests/support/factories.py)
SLUG = "studio-atlas"


@pytest.fixture
async def app(engine: AsyncEngine, clock: FixedClock, tmp_path: Path) -> AsyncIterator[Served]:
    url = engine.url.render_as_string(hide_password=False)
    async with served(url, clock, photo_dir=str(tmp_path / "photos")) as running:
        yield running


class Pane:
    """The provider pane, as sandbox.js drives it: JSON for words and taps, the file as the
    body for a photo; every answer is the chat's transcript since the last one seen."""

    def __init__(self, http: aiohttp.ClientSession, app: Served) -> None:
        self.http, self.app, self.seen = http, app, 0
        self.messages: list[dict[str, Any]] = []

    def _took(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        new: list[dict[str, Any]] = data["messages"]
        self.messages += new
        self.seen = max([self.seen, *(m["seq"] for m in new)])
        return new

    async def send(self, **fields: str) -> list[dict[str, Any]]:
        body = {"pane": "provider", "chat": SLUG, "after": self.seen, **fields}
        async with self.http.post(self.app.url + "/sandbox/api/send", json=body) as resp:
            assert resp.status == 200, await resp.text()
            return self._took(await resp.json())

    async def tap(self, label_part: str) -> list[dict[str, Any]]:
        for message in reversed(self.messages):
            for row in message.get("buttons") or ():
                for button in row:
                    if label_part in button["label"]:
                        return await self.send(payload=button["payload"])
        raise AssertionError(f"no button {label_part!r} in the transcript")

    async def upload(
        self, data: bytes, content_type: str, *, name: str = "atelier.jpg", pane: str = "provider"
    ) -> tuple[int, Any]:
        query = {"pane": pane, "chat": SLUG, "after": str(self.seen), "name": name}
        async with self.http.post(
            self.app.url + "/sandbox/api/photo",
            params=query,
            data=io.BytesIO(data),
            headers={"Content-Type": content_type},
        ) as resp:
            if resp.status != 200:
                return resp.status, await resp.text()
            return 200, self._took(await resp.json())

    def bot_texts(self, messages: list[dict[str, Any]]) -> list[str]:
        return [m["text"] or "" for m in messages if m["from"] == "bot"]


def noise_png(width: int, height: int) -> bytes:
    """A PNG that does not compress: its size in bytes follows its pixels."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


async def photos_of(uows: UnitOfWorkFactory, provider_id: int) -> list[str]:
    async with uows() as uow:
        provider = await uow.session.get(Provider, provider_id)
        assert provider is not None
        return list(provider.photos)


async def test_the_provider_pane_sends_photos_checked_resized_and_explained(
    app: Served, uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    _, provider_id, _ = await make_provider(uows, clock.now(), slug=SLUG)
    photos = tmp_path / "photos"
    async with aiohttp.ClientSession() as http:
        pane = Pane(http, app)
        await pane.send(text="/profile")
        shown = await pane.tap(FR("Photos"))
        assert any("JPEG" in t for t in pane.bot_texts(shown))  # the photo step's prompt

        # A photo past the app's 1 MB body cap, but within the bot's 5 MB: taken, resized.
        big_enough = noise_png(2400, 400)
        assert 1024 * 1024 < len(big_enough) < MAX_PHOTO_BYTES
        status, saved = await pane.upload(big_enough, "image/png", name="salle.png")
        assert status == 200, saved
        assert [m["text"] for m in saved if m["from"] == "user"] == ["📷 salle.png"]
        assert FR("Photo saved ({n} of {max}).", n=1, max=10) in pane.bot_texts(saved)
        [url] = await photos_of(uows, provider_id)
        files = sorted(p.name for p in photos.iterdir())
        assert len(files) == 2 and sum(name.endswith("-thumb.jpg") for name in files) == 1
        async with http.get(app.url + url) as kept:
            assert (kept.status, kept.content_type) == (200, "image/jpeg")
            assert max(opened(await kept.read()).size) == 2048  # the longest side kept
        async with http.get(app.url + thumbnail_url(url)) as thumb:
            assert opened(await thumb.read()).size == (400, 300)

        # Not an image: refused by the bot with the reason, nothing kept.
        status, refused = await pane.upload(b"%PDF-1.7", "application/pdf", name="tarifs.pdf")
        assert status == 200
        assert pane.bot_texts(refused)[-1].startswith(FR(NOT_A_PHOTO))
        # An image of a format we do not keep: Pillow's check, in the provider's words.
        status, gif = await pane.upload(picture("GIF"), "image/gif", name="anim.gif")
        assert pane.bot_texts(gif)[-1].startswith(FR("Please send a JPEG, PNG or WebP picture."))
        # Past the limit (the page sends one byte more than it): too big, and the limit.
        status, too_big = await pane.upload(
            b"\xff\xd8\xff" + bytes(MAX_PHOTO_BYTES - 2), "image/jpeg"
        )
        assert status == 200
        assert pane.bot_texts(too_big)[-1].startswith(FR(PHOTO_TOO_BIG, max_mb=5))
        assert len(list(photos.iterdir())) == 2 and len(await photos_of(uows, provider_id)) == 1

        # The photo shows on the profile's preview, as clients see it.
        await pane.tap(FR("Done"))
        preview = await pane.tap(FR("Preview as a client"))
        shown_photos = [p for m in preview for p in m.get("photos", [])]
        assert url in shown_photos or thumbnail_url(url) in shown_photos, preview

        # More than the route takes is refused before any dialog; other routes keep the cap.
        status, _ = await pane.upload(bytes(MAX_PHOTO_BYTES + 2), "image/jpeg")
        assert status == 413
        async with http.post(
            app.url + "/sandbox/api/language", data=io.BytesIO(bytes(MAX_PHOTO_BYTES // 4))
        ) as capped:
            assert capped.status == 413
        # Only the provider pane takes photos, for a provider that exists.
        status, _ = await pane.upload(picture(), "image/jpeg", pane="client")
        assert status == 400
    assert len(await photos_of(uows, provider_id)) == 1
