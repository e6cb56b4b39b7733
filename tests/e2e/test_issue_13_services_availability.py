"""Issue 13, through the webhooks only: a provider writes a service on the Telegram
provider bot and closes a day from WhatsApp; a client on WhatsApp can book the new
service, but not on the closed day.

The real web app (`build_app`, outbox worker included) runs on loopback with a migrated
SQLite database, the fake Telegram Bot API posting the provider bot's updates and the fake
Twilio API sending signed WhatsApp messages, as in tests/e2e/test_issue_12_phone_takeover.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bots.programs.serve import build_app
from core.bootstrap import build_core
from core.db.tables import Blackout, Booking, OutboxMessage, Service, User
from core.settings import Settings
from dialogs.i18n.translator import translator
from dialogs.provider.service_text import PROBLEMS
from tests.e2e.test_whatsapp_journey import RunningClock, eventually, option
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_objects import FakeUser
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    WHATSAPP_FROM,
    FakeTwilioAPI,
    SentMessage,
)
from tests.support.factories import make_provider
from tests.support.migrated import migrate
from tests.support.telegram_app import (
    CLIENT_TOKEN,
    PROVIDER_TOKEN,
    SECRET,
    SeededProvider,
    TelegramApp,
)

PUBLIC = "https://mounasabet.example"
PROVIDER_PHONE = "+212661000111"
CLIENT_PHONE = "+212612345678"
OWNER = FakeUser(id=5001, first_name="Karim", language_code="fr")
FR = translator("fr")
CLOSED_DAY = date(2026, 6, 14)


@dataclass
class World:
    tg: TelegramApp
    twilio: FakeTwilioAPI

    async def quiet(self) -> None:
        """Wait until the outbox has nothing due or under way any more."""
        under_way = OutboxMessage.status.in_(("pending", "sending"))
        for _ in range(200):
            if not await self.tg.count(OutboxMessage, under_way):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the outbox never emptied")

    async def whatsapp(self, phone: str, text: str) -> list[SentMessage]:
        """``phone`` writes on WhatsApp; what came back to it once the outbox went quiet."""
        await self.quiet()  # what earlier steps sent is not taken for this answer
        before = len(self.twilio.messages)
        posted = await self.twilio.user_sends(phone, text, profile_name="Salma")
        assert posted.status == 200
        await eventually(lambda: len(self.twilio.messages) > before)
        await self.quiet()
        return [m for m in self.twilio.messages[before:] if m.to == f"whatsapp:{phone}"]

    def provider_said(self) -> str:
        return self.tg.last(OWNER, bot="provider").text or ""


def bodies(messages: list[SentMessage]) -> str:
    return "\n".join(m.body or "" for m in messages)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = RunningClock(datetime(2026, 5, 4, 9, 0, tzinfo=UTC))
    url = f"sqlite+aiosqlite:///{tmp_path / 'services.db'}"
    migrate(url)
    async with (
        FakeTwilioAPI(clock=clock) as twilio,
        FakeTelegramAPI(clock=clock, rate_limits=None) as telegram,
    ):
        settings = Settings(
            _env_file=None,
            database_url=url,
            public_url=PUBLIC,
            sandbox_enabled=False,
            telegram_client_token=CLIENT_TOKEN,
            telegram_provider_token=PROVIDER_TOKEN,
            telegram_webhook_secret=SECRET,
            telegram_api_url=telegram.base_url,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_whatsapp_from=WHATSAPP_FROM,
            twilio_api_url=twilio.base_url,
            twilio_media_dir=str(tmp_path / "media"),
        )
        container = build_core(settings, clock=clock)
        owner, provider_id, service_id = await make_provider(container.uows, clock.now())
        async with container.uows() as uow:  # registered by an admin: a proven number
            user = await uow.session.get(User, owner)
            assert user is not None
            user.phone_e164 = PROVIDER_PHONE
            await uow.commit()
        runner = web.AppRunner(build_app(container), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        local = f"http://{host}:{port}"
        twilio.connect(public_url=PUBLIC, local_url=local)  # the reverse proxy
        for token, kind in ((CLIENT_TOKEN, "client"), (PROVIDER_TOKEN, "provider")):
            telegram.bot(token).webhook_url = f"{local}/webhooks/telegram/{kind}"
        seeded = SeededProvider(owner, provider_id, service_id, phone=PROVIDER_PHONE)
        try:
            yield World(TelegramApp(telegram, container, local, seeded), twilio)
        finally:
            await runner.cleanup()


async def test_a_service_written_on_telegram_is_bookable_but_not_on_a_day_closed_on_whatsapp(
    world: World,
) -> None:
    tg = world.tg
    await tg.say(OWNER, "/start", bot="provider")
    await tg.share(OWNER, PROVIDER_PHONE.lstrip("+"), bot="provider")
    await eventually(lambda: "svcs" in " ".join(tg.last(OWNER, bot="provider").callback_data()))

    # The new service, question by question, on Telegram.
    await tg.tap(OWNER, "svcs", bot="provider")
    await tg.tap(OWNER, "new", bot="provider")
    await tg.tap(OWNER, "v:videographer", bot="provider")
    await tg.say(OWNER, "Film de mariage", bot="provider")
    await tg.tap(OWNER, "done", bot="provider")
    await tg.say(OWNER, "Un film de toute la journée, monté en une semaine.", bot="provider")
    await tg.tap(OWNER, "done", bot="provider")
    await tg.tap(OWNER, "v:fixed", bot="provider")
    await tg.say(OWNER, "10 000 000 dh", bot="provider")  # a zero too many: explained
    too_high = FR(PROBLEMS["service_price_too_high"], max_money=FR.money(100_000_000))
    assert too_high in world.provider_said()
    await tg.say(OWNER, "8000", bot="provider")
    for code in ("v:30", "v:full", "v:1"):
        await tg.tap(OWNER, code, bot="provider")
    await tg.say(OWNER, "20-400", bot="provider")
    for code in ("v:48", "v:0", "v:moderate", "save"):
        await tg.tap(OWNER, code, bot="provider")
    assert FR("Your service is saved and on offer: clients can find and book it.") in (
        "\n".join(tg.texts(OWNER, bot="provider"))
    )
    [new] = await tg.rows(Service, Service.id != tg.provider.service_id)
    assert (new.title, new.price_minor, new.active) == ({"fr": "Film de mariage"}, 800_000, True)

    # A day closed from WhatsApp: the provider's number gets the provider menus there.
    shown = await world.whatsapp(PROVIDER_PHONE, "menu")
    shown = await world.whatsapp(PROVIDER_PHONE, option(shown, FR("Availability")))
    shown = await world.whatsapp(PROVIDER_PHONE, option(shown, FR("Close a day")))
    shown = await world.whatsapp(PROVIDER_PHONE, "14 juin")
    closed = FR("Closed on {day}. Clients can't book that day.", day=FR.date(CLOSED_DAY))
    assert closed in bodies(shown)
    assert [b.day for b in await tg.rows(Blackout)] == [CLOSED_DAY]

    # A client on WhatsApp: the new service is offered; the closed day is refused.
    shown = await world.whatsapp(CLIENT_PHONE, "p-studio-atlas")
    assert "Film de mariage" in bodies(shown)
    shown = await world.whatsapp(CLIENT_PHONE, option(shown, "Film de mariage"))
    shown = await world.whatsapp(CLIENT_PHONE, option(shown, "Mariage"))
    shown = await world.whatsapp(CLIENT_PHONE, "14 juin")
    assert FR("The provider is not available on this date.") in bodies(shown)
    shown = await world.whatsapp(CLIENT_PHONE, "15 juin")
    shown = await world.whatsapp(CLIENT_PHONE, "120")
    shown = await world.whatsapp(CLIENT_PHONE, "rabat")
    shown = await world.whatsapp(CLIENT_PHONE, "Dar Salma, Agdal")
    shown = await world.whatsapp(CLIENT_PHONE, option(shown, "Passer"))  # notes
    shown = await world.whatsapp(CLIENT_PHONE, option(shown, "Passer"))  # email
    shown = await world.whatsapp(CLIENT_PHONE, option(shown, "Envoyer la demande"))
    [booking] = await tg.rows(Booking)
    assert (booking.service_id, booking.event_date, booking.total_minor) == (
        new.id,
        date(2026, 6, 15),
        800_000,
    )
    assert booking.reference in bodies(shown)
