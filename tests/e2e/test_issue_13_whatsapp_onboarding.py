"""Issue 13 on WhatsApp: "inscription" opens the provider onboarding for a number that runs
no provider (the sender's number is the phone: no question about it), photos come as
Twilio media fetched with the account's credentials, the profile editor's preview shows
a change, and the verification reaches the same WhatsApp chat.

Through the webhooks only: the app on loopback with its outbox worker, the fake Twilio
API posting signed messages and serving media, the admin CLI for the verification.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from bots.programs.serve import build_app
from core.bootstrap import Core, build_core
from core.db.tables import OutboxMessage, Provider, ProviderCategory, ProviderCity, User
from core.settings import Settings
from dialogs.i18n.translator import translator
from dialogs.notifications.account_news import VERIFIED
from dialogs.provider.choices import NOT_A_PHOTO, PHOTO_TOO_BIG
from tests.e2e.test_whatsapp_journey import RunningClock, eventually, option
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    WHATSAPP_FROM,
    FakeTwilioAPI,
    Posted,
    SentMessage,
)
from tests.support.admin import AdminCli
from tests.support.migrated import migrate
from tests.support.pictures import picture

PUBLIC = "https://mounasabet.example"
PHONE = "+212662000222"
FR = translator("fr")
BIO = "Traiteur marocain à Casablanca : pastilla, méchoui et pâtisseries pour vos fêtes."


@dataclass
class Newcomer:
    container: Core
    twilio: FakeTwilioAPI
    photos: Path

    async def says(self, text: str = "") -> list[SentMessage]:
        return await self._after(self.twilio.user_sends(PHONE, text, profile_name="Amal"))

    async def sends_file(self, content: bytes, mime: str) -> list[SentMessage]:
        return await self._after(self.twilio.user_sends_photo(PHONE, content, mime))

    async def _after(self, posting: Awaitable[Posted]) -> list[SentMessage]:
        before = len(self.twilio.messages)
        posted = await posting
        assert posted.status == 200
        await eventually(lambda: len(self.twilio.messages) > before)
        await self.quiet()
        return self.twilio.messages[before:]

    async def quiet(self) -> None:
        for _ in range(200):
            async with self.container.uows() as uow:
                busy = await uow.session.scalars(
                    select(OutboxMessage.id).where(OutboxMessage.status.in_(("pending", "sending")))
                )
                if not busy.all():
                    return
            await asyncio.sleep(0.05)
        raise AssertionError("the outbox never emptied")


@pytest.fixture
async def newcomer(tmp_path: Path) -> AsyncIterator[Newcomer]:
    # The admin CLI queues the verification on the system's clock: the app runs on it too.
    clock = RunningClock(datetime.now(UTC))
    url = f"sqlite+aiosqlite:///{tmp_path / 'onboarding.db'}"
    migrate(url)
    async with FakeTwilioAPI(clock=clock) as twilio:
        settings = Settings(
            _env_file=None,
            database_url=url,
            public_url=PUBLIC,
            sandbox_enabled=False,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_whatsapp_from=WHATSAPP_FROM,
            twilio_api_url=twilio.base_url,
            twilio_media_dir=str(tmp_path / "media"),
            photo_dir=str(tmp_path / "photos"),
        )
        container = build_core(settings, clock=clock)
        runner = web.AppRunner(build_app(container), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        twilio.connect(public_url=PUBLIC, local_url=f"http://{host}:{port}")
        try:
            yield Newcomer(container, twilio, tmp_path / "photos")
        finally:
            await runner.cleanup()


def body(messages: list[SentMessage]) -> str:
    return "\n".join(m.body or "" for m in messages)


async def test_register_on_whatsapp_send_photos_edit_and_get_verified(
    newcomer: Newcomer,
) -> None:
    shown = await newcomer.says("inscription")
    ask = "Let's create your provider account. First, what is the name of your business?"
    assert FR(ask) in body(shown)
    shown = await newcomer.says("Traiteur Amal")
    for wanted in (FR("Caterer"), FR("Pastry"), FR("Continue")):  # a category, then a second
        shown = await newcomer.says(option(shown, wanted))
    shown = await newcomer.says(option(shown, "Casablanca"))
    shown = await newcomer.says(option(shown, FR("Continue")))
    shown = await newcomer.says(option(shown, "Français"))
    shown = await newcomer.says(option(shown, FR("Continue")))
    # No phone question: WhatsApp's sender is the number.
    describe = FR(
        "Describe your business for clients in a few sentences ({min} to {max} characters). "
        "You are writing in: {language}.",
        min=20,
        max=600,
        language="Français",
    )
    assert describe in body(shown)
    shown = await newcomer.says(BIO)
    shown = await newcomer.says(option(shown, FR("Continue")))
    created = FR(
        "Thank you! Your provider account is created. Our team will check it and tell you "
        "here when it is verified; until then clients cannot find you."
    )
    assert created in body(shown)

    # A photo: Twilio's media address, with the account's credentials; its media host, without.
    shown = await newcomer.sends_file(picture("JPEG", (1280, 960)), "image/jpeg")
    assert FR("Photo saved ({n} of {max}).", n=1, max=10) in body(shown)
    fetched = newcomer.twilio.media_requests
    assert [auth is not None for _, auth in fetched] == [True, False]
    assert fetched[1][0].startswith("/cdn/")
    assert len(list(newcomer.photos.iterdir())) == 2  # the photo and its thumbnail
    shown = await newcomer.sends_file(b"%PDF-1.7 menu", "application/pdf")
    assert FR(NOT_A_PHOTO) in body(shown)
    shown = await newcomer.sends_file(picture("GIF"), "image/gif")
    assert FR("Please send a JPEG, PNG or WebP picture.") in body(shown)
    # Past 5 MB the download stops: nothing more is read, nothing kept.
    shown = await newcomer.sends_file(b"\xff\xd8\xff" + bytes(6 * 1024 * 1024), "image/jpeg")
    assert FR(PHOTO_TOO_BIG, max_mb=5) in body(shown)
    assert len(list(newcomer.photos.iterdir())) == 2

    # The profile editor: a new name, seen in the preview as clients will see it.
    shown = await newcomer.says(option(shown, FR("Done")))
    shown = await newcomer.says(option(shown, FR("Name")))
    shown = await newcomer.says("Traiteur Amal Casa")
    shown = await newcomer.says(option(shown, FR("Preview as a client")))
    assert "✦ Traiteur Amal Casa" in body(shown)
    assert BIO in body(shown)

    async with newcomer.container.uows() as uow:
        provider = await uow.session.scalar(select(Provider))
        assert provider is not None
        owner = await uow.session.get(User, provider.user_id)
        assert owner is not None and owner.phone_e164 == PHONE
        slug, status, photos = provider.slug, provider.status, list(provider.photos)
    assert (slug, status, len(photos)) == ("traiteur-amal", "pending", 1)

    # Verified with the admin tool: told on WhatsApp.
    await AdminCli(newcomer.container.settings.database_url).ok("providers", "verify", slug)
    await eventually(lambda: FR(VERIFIED) in newcomer.twilio.texts_to(PHONE))


async def test_several_choices_typed_in_one_message_are_all_ticked(newcomer: Newcomer) -> None:
    """WhatsApp lists the choices as numbers: "1, 3" or "Rabat et Kénitra" in one message
    ticks each (never unticks), and the question says so."""
    await newcomer.says("inscription")
    shown = await newcomer.says("Traiteur Amal")
    several = FR("You can write several numbers at once, for example: 1, 3.")
    assert several in body(shown)
    caterer, pastry = option(shown, FR("Caterer")), option(shown, FR("Pastry"))
    shown = await newcomer.says(f"{caterer}, {pastry}")
    assert FR("Chosen: {list}", list=f"{FR('Caterer')}, {FR('Pastry')}") in body(shown)
    # A list naming something that is no choice ticks nothing: the step explains.
    shown = await newcomer.says(f"{caterer}, 99")
    assert FR("Please choose from the list, then Continue.") in body(shown)
    shown = await newcomer.says(option(shown, FR("Continue")))
    shown = await newcomer.says("Rabat et Kénitra")
    assert FR("Chosen: {list}", list="Rabat, Kénitra") in body(shown)
    # Ticked again in a list: kept, not unticked; the new one joins them.
    shown = await newcomer.says(f"{option(shown, 'Rabat')} {option(shown, 'Casablanca')}")
    assert FR("Chosen: {list}", list="Rabat, Kénitra, Casablanca") in body(shown)
    shown = await newcomer.says(option(shown, FR("Continue")))
    shown = await newcomer.says("1، 2")  # Arabic comma
    assert FR("Chosen: {list}", list="العربية, Français") in body(shown)
    await newcomer.says(option(shown, FR("Continue")))
    shown = await newcomer.says(BIO)
    await newcomer.says(option(shown, FR("Continue")))

    async with newcomer.container.uows() as uow:
        provider = await uow.session.scalar(select(Provider))
        assert provider is not None
        categories = set(await uow.session.scalars(select(ProviderCategory.category)))
        cities = set(await uow.session.scalars(select(ProviderCity.city)))
        languages = set(provider.languages)
    assert categories == {"caterer", "pastry"}
    assert cities == {"rabat", "kenitra", "casablanca"}
    assert languages == {"ar", "fr"}
