"""A client books on WhatsApp, the provider accepts on Telegram, the client hears of it.

Driven through the webhooks only: the real web app (`build_app`, outbox worker included)
on loopback, migrated SQLite, the fake Twilio API sending signed WhatsApp messages and
status callbacks, the fake Telegram Bot API posting the provider's updates.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from bots.programs.serve import build_app
from core.bootstrap import Core, build_core
from core.db.tables import Booking, OutboxMessage, Service, User
from core.settings import Settings
from dialogs.framework.confirm import NEWS_OVERLAP
from dialogs.i18n.translator import translator
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_objects import FakeUser, StoredMessage
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    WHATSAPP_FROM,
    FakeTwilioAPI,
    SentMessage,
)
from tests.support.bookings import request
from tests.support.factories import make_provider, make_user
from tests.support.migrated import migrate

PUBLIC = "https://mounasabet.example"
PROVIDER_TOKEN = "7000001:provider-bot-token"
SECRET = "webhook-secret_1"
CLIENT_PHONE = "+212612345678"
PROVIDER_PHONE = "+212661000111"
PROVIDER = FakeUser(id=5001, first_name="Karim", language_code="fr")
_OPTION = re.compile(r"^(\d+)\. (.+)$")


class RunningClock:
    """Starts at a fixed instant and runs with real time (retries and rate limits come due)."""

    def __init__(self, start: datetime) -> None:
        self.start, self.origin = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.origin)


@dataclass
class World:
    container: Core
    twilio: FakeTwilioAPI
    telegram: FakeTelegramAPI
    clock: RunningClock

    async def client_says(self, text: str = "", **kw: Any) -> list[SentMessage]:
        """The client writes on WhatsApp; what came back once the worker went quiet."""
        before = len(self.twilio.messages)
        posted = await self.twilio.user_sends(CLIENT_PHONE, text, profile_name="Salma", **kw)
        assert posted.status == 200
        await eventually(lambda: len(self.twilio.messages) > before)
        await self.quiet()
        return self.twilio.messages[before:]

    async def provider_says(self, text: str) -> list[SentMessage]:
        """The provider writes on WhatsApp from their account's number, past the seconds
        in which a number could be meant for a news just arrived (issue 19)."""
        self.clock.start += NEWS_OVERLAP + timedelta(seconds=1)
        before = len(self.twilio.messages)
        posted = await self.twilio.user_sends(PROVIDER_PHONE, text, profile_name="Karim")
        assert posted.status == 200
        await eventually(lambda: len(self.twilio.messages) > before)
        await self.quiet()
        return self.twilio.messages[before:]

    async def quiet(self) -> None:
        """Wait until the outbox has nothing due or under way any more."""

        async def pending() -> int:
            async with self.container.uows() as uow:
                rows = await uow.session.scalars(
                    select(OutboxMessage.id).where(OutboxMessage.status.in_(("pending", "sending")))
                )
                return len(rows.all())

        for _ in range(200):
            if not await pending():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the outbox never emptied")


async def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting")


def option(messages: list[SentMessage], wanted: str) -> str:
    """The number the messages show for the option whose label contains ``wanted``."""
    for message in messages:
        for line in (message.body or "").split("\n"):
            found = _OPTION.match(line)
            if found and wanted.lower() in found[2].lower():
                return found[1]
    shown = "\n---\n".join(m.body or "" for m in messages)
    raise AssertionError(f"no option {wanted!r} in:\n{shown}")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = RunningClock(datetime(2026, 5, 4, 9, 0, tzinfo=UTC))
    url = f"sqlite+aiosqlite:///{tmp_path / 'journey.db'}"
    migrate(url)  # the migrations, 0002 included, not create_all
    async with (
        FakeTwilioAPI(clock=clock) as twilio,
        FakeTelegramAPI(clock=clock) as telegram,
    ):
        settings = Settings(
            _env_file=None,
            database_url=url,
            public_url=PUBLIC,
            sandbox_enabled=False,
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
        owner, _, _ = await make_provider(container.uows, clock.now())
        async with container.uows() as uow:
            user = await uow.session.get(User, owner)
            assert user is not None
            user.phone_e164 = PROVIDER_PHONE
            await uow.commit()
        runner = web.AppRunner(build_app(container), access_log=None)
        await runner.setup()  # introduces the Telegram bot: webhook set to the public URL
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        local = f"http://{host}:{port}"
        # The reverse proxy: Twilio and Telegram know the public URL, we listen locally.
        twilio.connect(public_url=PUBLIC, local_url=local)
        bot = telegram.bot(PROVIDER_TOKEN)
        assert bot.webhook_url == PUBLIC + "/webhooks/telegram/provider"
        bot.webhook_url = local + "/webhooks/telegram/provider"
        try:
            yield World(container, twilio, telegram, clock)
        finally:
            await runner.cleanup()


async def test_book_on_whatsapp_accept_on_telegram_told_on_whatsapp(world: World) -> None:
    # The provider connects the Telegram provider bot with their phone number.
    await world.telegram.user_sends_text(PROVIDER_TOKEN, PROVIDER, "/start")
    await world.telegram.user_shares_contact(PROVIDER_TOKEN, PROVIDER, PROVIDER_PHONE)

    # The client, by numbers and by free text, in French (a Moroccan number).
    shown = await world.client_says("Bonjour")
    assert "Bienvenue sur Mounasabet" in (shown[0].body or "")
    shown = await world.client_says(option(shown, "Trouver un prestataire"))
    assert len(shown) == 1  # ten categories; Back and Cancel are words (issue 19)
    shown = await world.client_says(option(shown, "Photographe"))
    shown = await world.client_says("rabat")  # a label typed instead of its number
    shown = await world.client_says("14 juin")  # free text
    assert "Photographe à Rabat" in (shown[0].body or "")
    for label in ["studio-atlas", "Réserver", "Mariage"]:
        shown = await world.client_says(option(shown, label))
    assert "• 200" in (shown[0].body or "")  # numbers that are values are not ranks
    shown = await world.client_says("200")
    shown = await world.client_says("Salle Al Amal, Agdal")
    shown = await world.client_says(option(shown, "Passer"))  # notes
    # No phone question: WhatsApp told us the number.
    assert "e-mail" in (shown[0].body or "").lower()
    shown = await world.client_says(option(shown, "Passer"))
    summary = shown[0].body or ""
    assert "Salle Al Amal, Agdal" in summary and CLIENT_PHONE in summary
    shown = await world.client_says(option(shown, "Envoyer la demande"))

    async with world.container.uows() as uow:
        booking = await uow.session.scalar(select(Booking))
        client = await uow.session.scalar(select(User).where(User.phone_e164 == CLIENT_PHONE))
        assert booking is not None and client is not None
        assert (booking.state, booking.client_id, booking.guests) == ("requested", client.id, 200)
        booking_id, reference = booking.id, booking.reference

    # The provider gets the request on Telegram and accepts it there.
    accept = f"g|pacc:{booking_id}"

    def card() -> StoredMessage | None:
        sent = world.telegram.sent_to(PROVIDER.id, bot=PROVIDER_TOKEN)
        return next((m for m in sent if accept in m.callback_data()), None)

    await eventually(lambda: card() is not None)
    request_card = card()
    assert request_card is not None and reference in (request_card.text or "")
    await world.telegram.user_presses(PROVIDER_TOKEN, PROVIDER, request_card.message_id, accept)

    # The client is told on WhatsApp; the news's own numbers work (here: view the booking).
    def news() -> SentMessage | None:
        return next(
            (m for m in world.twilio.sent_to(CLIENT_PHONE) if "accepté" in (m.body or "")), None
        )

    await eventually(lambda: news() is not None)
    told = news()
    assert told is not None and reference in (told.body or "")
    shown = await world.client_says(option([told], "Voir la réservation"))
    assert reference in (shown[0].body or "")

    # Twilio reports delivery; the news's outbox row says so.
    for posted in await world.twilio.report(told):
        assert posted.status == 200
    async with world.container.uows() as uow:
        row = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "booking_accepted")
        )
        assert row is not None
        assert (row.channel, row.status, row.external_id) == (None, "sent", told.sid)
        assert row.delivery_status == "delivered"
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None and booking.state == "accepted"


async def test_a_provider_with_two_requests_is_asked_why_about_the_one_declined(
    world: World,
) -> None:
    """The decline question names its booking (reference, occasion, date): with several
    requests open, a provider on WhatsApp must know which one the question is about."""
    async with world.container.uows() as uow:
        service_id = await uow.session.scalar(select(Service.id))
        assert service_id is not None
    now = world.clock.now()
    wedding = await request(
        world.container.uows,
        now,
        await make_user(world.container.uows, now),
        service_id,
        date(2026, 6, 14),
        event_type="wedding",
    )
    birthday = await request(
        world.container.uows,
        now,
        await make_user(world.container.uows, now, name="Other"),
        service_id,
        date(2026, 6, 20),
        event_type="birthday",
    )
    async with world.container.uows() as uow:
        declined = await uow.session.get(Booking, birthday)
        kept = await uow.session.get(Booking, wedding)
        assert declined is not None and kept is not None
        reference, other_reference = declined.reference, kept.reference

    home = await world.provider_says("Bonjour")
    card = await world.provider_says(option(home, reference))
    (question, *_) = await world.provider_says(option(card, "Refuser"))
    fr = translator("fr")
    asked = question.body or ""
    # Was: "Pourquoi refusez-vous? ..." whichever request it was about.
    assert asked.startswith(
        fr(
            "Why do you decline {ref} ({occasion}, {date})? Choose a reason or type your own.",
            ref=reference,
            occasion=fr("Birthday"),
            date=fr.date(date(2026, 6, 20)),
        )
    )
    assert "Anniversaire" in asked and "20 juin" in asked and other_reference not in asked
    await world.provider_says(option([question], "Trop loin"))
    async with world.container.uows() as uow:
        states = {
            b.id: (b.state, b.decline_reason) for b in (await uow.session.scalars(select(Booking)))
        }
    assert states == {
        birthday: ("declined", "Too far from my area"),
        wedding: ("requested", None),
    }
