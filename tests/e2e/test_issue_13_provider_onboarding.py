"""Issue 13: a newcomer registers in the Telegram provider bot, sends photos (one refused
with its reason), waits pending and out of search; `mounasabet-admin providers verify`
makes them active, they are told in the bot, and clients find them, photos included.

Through the real webhook routes (the fake Bot API posts the updates, our bot fetches the
photos with getFile and the file address), the outbox worker, and the admin CLI.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from core.catalog.photo_store import thumbnail_url
from core.clock import SystemClock
from core.db.tables import Provider
from dialogs.i18n.translator import translator
from dialogs.notifications.account_news import VERIFIED
from dialogs.provider.choices import NOT_A_PHOTO, PHOTO_TOO_BIG
from tests.conftest import BACKENDS
from tests.fakes import FakeUser
from tests.support.admin import AdminCli
from tests.support.onboarding import add_service
from tests.support.pictures import opened, picture
from tests.support.telegram_app import (
    PROVIDER_TOKEN,
    TelegramApp,
    app_on_backend,
    assert_wire_clean,
    delivered,
    eventually,
)

NOUR = FakeUser(id=4001, first_name="Nour", language_code="fr")
OMAR = FakeUser(id=4002, first_name="Omar", language_code="en")
BIO = "Photographe de mariage à Rabat depuis dix ans : reportages, portraits et albums."
FR, EN = translator("fr"), translator("en")


@pytest.fixture(params=BACKENDS)
async def tg(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[TelegramApp]:
    monkeypatch.setenv("MOUNASABET_PHOTO_DIR", str(tmp_path / "photos"))
    # A verification made by another process (the CLI) shows in search at once.
    monkeypatch.setenv("MOUNASABET_CATALOG_CACHE_SECONDS", "0")
    # The admin CLI runs on the system's clock: so does the app here, so that the news the
    # CLI queues is due for the app's worker.
    clock = SystemClock()
    async with app_on_backend(request.param, request, tmp_path, clock) as app:
        yield app


async def register(tg: TelegramApp) -> None:
    """Every question of the onboarding, answered as a person would."""
    p = "provider"
    await tg.say(NOUR, "/start", bot=p)
    await tg.tap(NOUR, "register", bot=p)
    await tg.say(NOUR, "Studio Nour", bot=p)
    for screen in (["t:photographer"], ["t:rabat"], ["t:fr", "t:ar"]):
        for code in screen:
            await tg.tap(NOUR, code, bot=p)
        await tg.tap(NOUR, "next", bot=p)
    await tg.share(NOUR, "212612345678", bot=p)  # Telegram's contact button
    await tg.say(NOUR, BIO, bot=p)
    await tg.tap(NOUR, "next", bot=p)


async def search_texts(tg: TelegramApp) -> str:
    await tg.say(OMAR, "/start")
    for code in ("m:find", "cat:photographer", "city:rabat", "day:any"):
        await tg.tap(OMAR, code)
    return tg.last(OMAR).text or ""


async def test_register_send_photos_verify_and_be_found(tg: TelegramApp, tmp_path: Path) -> None:
    fake = tg.fake
    await register(tg)
    created = FR(
        "Thank you! Your provider account is created. Our team will check it and tell you "
        "here when it is verified; until then clients cannot find you."
    )
    assert created in tg.texts(NOUR, bot="provider")
    [provider] = await tg.rows(Provider, Provider.slug == "studio-nour")
    assert provider.status == "pending"

    # A photo: fetched with getFile and the file address, checked, kept with its thumbnail.
    delivered(await fake.user_sends_photo(PROVIDER_TOKEN, NOUR, picture("JPEG", (1600, 1200))))
    assert FR("Photo saved ({n} of {max}).", n=1, max=10) in tg.texts(NOUR, bot="provider")
    assert [c.params["file_id"] for c in fake.calls("getFile", bot=PROVIDER_TOKEN)]
    files = sorted(p.name for p in (tmp_path / "photos").iterdir())
    thumbs = [name for name in files if name.endswith("-thumb.jpg")]
    assert len(files) == 2 and len(thumbs) == 1
    assert opened((tmp_path / "photos" / thumbs[0]).read_bytes()).size == (400, 300)

    # What is not a photo we can take is refused, with the reason.
    gif = picture("GIF")
    delivered(
        await fake.user_sends_document(
            PROVIDER_TOKEN, NOUR, gif, filename="anim.gif", mime_type="image/gif"
        )
    )
    assert tg.texts(NOUR, bot="provider")[-1].startswith(
        FR("Please send a JPEG, PNG or WebP picture.")
    )
    delivered(
        await fake.user_sends_document(
            PROVIDER_TOKEN, NOUR, b"%PDF-1.7", filename="tarifs.pdf", mime_type="application/pdf"
        )
    )
    assert tg.texts(NOUR, bot="provider")[-1].startswith(FR(NOT_A_PHOTO))
    delivered(await fake.user_sends_photo(PROVIDER_TOKEN, NOUR, picture("PNG", (200, 150))))
    assert "320" in tg.texts(NOUR, bot="provider")[-1]  # too small, and how big it must be
    calls = len(fake.calls("getFile"))
    big = b"\xff\xd8\xff" + bytes(6 * 1024 * 1024)  # Telegram says its size: not fetched
    delivered(
        await fake.user_sends_document(
            PROVIDER_TOKEN, NOUR, big, filename="big.jpg", mime_type="image/jpeg"
        )
    )
    assert tg.texts(NOUR, bot="provider")[-1].startswith(FR(PHOTO_TOO_BIG, max_mb=5))
    assert len(fake.calls("getFile")) == calls
    assert len(list((tmp_path / "photos").iterdir())) == 2  # nothing more was kept
    await tg.tap(NOUR, "done", bot="provider")

    # Pending: even with a service, no client finds it.
    await add_service(tg.uows, provider.id)
    assert "Studio Nour" not in await search_texts(tg)

    # The admin tool lists it pending and verifies it (no question asked).
    admin = AdminCli(tg.container.settings.database_url)
    listed = {row["slug"]: row for row in await admin.json("providers", "list")}
    assert listed["studio-nour"]["status"] == "pending"
    assert {"id", "slug", "status"} <= set(listed["studio-nour"])
    await admin.ok("providers", "verify", str(listed["studio-nour"]["id"]))
    assert (await admin.json("providers", "show", "studio-nour"))["status"] == "active"

    # Told in the provider bot, through the outbox.
    await eventually(
        lambda: FR(VERIFIED) in tg.texts(NOUR, bot="provider"), what="the verified news"
    )

    # Found by clients, with the photo, in chat and on the site.
    results = await search_texts(tg)
    assert "Studio Nour" in results
    await tg.tap(OMAR, f"open:{provider.id}")
    assert (tg.last(OMAR).text or "").startswith("✦ Studio Nour")
    [url] = (await tg.rows(Provider, Provider.id == provider.id))[0].photos
    sent = [c.params.get("photo") for c in fake.calls("sendPhoto")]
    assert f"{tg.url}{url}" in sent
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{tg.url}{url}") as photo:
            assert (photo.status, photo.content_type) == (200, "image/jpeg")
            assert opened(await photo.read()).format == "JPEG"
        async with http.get(f"{tg.url}/en/providers/studio-nour") as page:
            assert page.status == 200 and url in await page.text()
        async with http.get(f"{tg.url}/en/providers") as directory:  # cards: the thumbnail
            assert thumbnail_url(url) in await directory.text()
        async with http.get(f"{tg.url}{thumbnail_url(url)}") as thumb:
            assert opened(await thumb.read()).size == (400, 300)
        async with http.get(f"{tg.url}/photos/..%2Fsecret.jpg") as refused:
            assert refused.status == 404
    assert_wire_clean(fake)


async def test_profile_edit_shows_in_the_preview(tg: TelegramApp) -> None:
    await register(tg)
    await tg.tap(NOUR, "done", bot="provider")
    await tg.tap(NOUR, "name", bot="provider")
    await tg.say(NOUR, "Studio Nour & Fils", bot="provider")
    await tg.tap(NOUR, "k:city", bot="provider")
    await tg.tap(NOUR, "t:marrakech", bot="provider")
    await tg.tap(NOUR, "next", bot="provider")
    await tg.tap(NOUR, "pv", bot="provider")
    preview = tg.last(NOUR, bot="provider").text or ""
    assert preview.startswith(FR("This is how clients see your profile:"))
    assert "✦ Studio Nour &amp; Fils" not in preview and "✦ Studio Nour & Fils" in preview
    assert FR("Cities: {cities}", cities=FR.join(["Marrakech", "Rabat"])) in preview
    # The address stays when the name changes.
    [renamed] = await tg.rows(Provider, Provider.slug == "studio-nour")
    assert renamed.name["fr"] == "Studio Nour & Fils"
    assert_wire_clean(tg.fake)
