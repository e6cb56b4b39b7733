"""Issue 12, item 1: typing someone's phone number must not take over their account.

The attack as it was run, through the webhooks only: an attacker on the Telegram client
bot types the victim's number at the booking form's phone step; the victim then writes
on WhatsApp from that number and books; the provider accepts on the Telegram provider
bot. The real web app (`build_app`, outbox worker included) runs on loopback with a
migrated SQLite database, the fake Telegram Bot API posting both bots' updates and the
fake Twilio API sending signed WhatsApp messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bots.programs.serve import build_app
from core.bootstrap import build_core
from core.db.tables import Booking, ChannelIdentity, OutboxMessage, User
from core.settings import Settings
from dialogs.i18n.translator import translator
from tests.e2e.test_whatsapp_journey import RunningClock, eventually, option
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_objects import FakeUser, StoredMessage
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
VICTIM_PHONE = "+212661234567"
VICTIM_TYPED = "06 61 23 45 67"  # as the attacker typed it
PROVIDER_PHONE = "+212661000111"
ATTACKER = FakeUser(id=6666, first_name="Mallory", language_code="fr")
OWNER = FakeUser(id=5001, first_name="Karim", language_code="fr")


@dataclass
class World:
    tg: TelegramApp
    twilio: FakeTwilioAPI

    async def victim_says(self, text: str) -> list[SentMessage]:
        """The victim writes on WhatsApp; what came back once the outbox went quiet."""
        before = len(self.twilio.messages)
        posted = await self.twilio.user_sends(VICTIM_PHONE, text, profile_name="Salma")
        assert posted.status == 200
        await eventually(lambda: len(self.twilio.messages) > before)
        for _ in range(200):  # until the outbox has nothing due any more
            if not await self.tg.count(OutboxMessage, OutboxMessage.status == "pending"):
                break
            await asyncio.sleep(0.05)
        return self.twilio.messages[before:]

    async def user_of(self, channel: str, external_id: str) -> User:
        identities = await self.tg.rows(
            ChannelIdentity,
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id == external_id,
        )
        assert len(identities) == 1, (channel, external_id)
        [user] = await self.tg.rows(User, User.id == identities[0].user_id)
        return user


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = RunningClock(datetime(2026, 5, 4, 9, 0, tzinfo=UTC))
    url = f"sqlite+aiosqlite:///{tmp_path / 'takeover.db'}"
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


async def attacker_books_typing(world: World, phone: str) -> None:
    """The attacker books on the Telegram client bot and types ``phone`` at the phone step."""
    tg = world.tg
    await tg.say(ATTACKER, f"/start p-{tg.provider.slug}")
    await tg.tap(ATTACKER, f"book:{tg.provider.service_id}")
    await tg.tap(ATTACKER, "evt:wedding")
    await tg.say(ATTACKER, "14 juin")
    await tg.tap(ATTACKER, "gst:100")
    await tg.tap(ATTACKER, "city:rabat")
    await tg.say(ATTACKER, "Salle des fêtes")
    await tg.tap(ATTACKER, "skip")  # notes
    await tg.say(ATTACKER, phone)
    await tg.tap(ATTACKER, "skip")  # email
    await tg.tap(ATTACKER, "confirm")


async def victim_books_on_whatsapp(world: World) -> str:
    """The victim books by WhatsApp from their own number; returns the booking reference."""
    shown = await world.victim_says(f"p-{world.tg.provider.slug}")
    for label in ["Réserver", "Mariage"]:
        shown = await world.victim_says(option(shown, label))
    shown = await world.victim_says("20 juin")
    shown = await world.victim_says("120")
    shown = await world.victim_says("rabat")
    shown = await world.victim_says("Dar Salma, Agdal")
    shown = await world.victim_says(option(shown, "Passer"))  # notes
    # No phone question: WhatsApp proved the number.
    shown = await world.victim_says(option(shown, "Passer"))  # email
    assert VICTIM_PHONE in (shown[0].body or "")
    shown = await world.victim_says(option(shown, "Envoyer la demande"))
    [booking] = await world.tg.rows(Booking, Booking.venue == "Dar Salma, Agdal")
    assert any(booking.reference in (m.body or "") for m in shown)
    return booking.reference


async def test_a_typed_number_does_not_take_over_the_whatsapp_account(world: World) -> None:
    tg = world.tg
    await attacker_books_typing(world, VICTIM_TYPED)
    attacker = await world.user_of("telegram_client", str(ATTACKER.id))
    # The typed number is the booking's contact, not the account's phone.
    [own] = await tg.rows(Booking, Booking.client_id == attacker.id)
    assert own.contact_phone == VICTIM_PHONE
    assert (attacker.phone_e164, attacker.contact_phone) == (None, VICTIM_PHONE)

    # The victim's first WhatsApp message makes a user of their own, with the proven number.
    reference = await victim_books_on_whatsapp(world)
    victim = await world.user_of("whatsapp", VICTIM_PHONE)
    assert victim.id != attacker.id
    assert victim.phone_e164 == VICTIM_PHONE
    [booking] = await tg.rows(Booking, Booking.reference == reference)
    assert booking.client_id == victim.id

    # The provider connects on Telegram by his own contact and accepts.
    await tg.say(OWNER, "/start", bot="provider")
    await tg.share(OWNER, PROVIDER_PHONE.lstrip("+"), bot="provider")
    accept = f"pacc:{booking.id}"
    await eventually(lambda: any(accept in d for d in _buttons(tg, OWNER, "provider")))
    await tg.tap(OWNER, accept, bot="provider")

    # "Accepted, pay here" goes to the victim's WhatsApp, never to the attacker's Telegram.
    def told() -> bool:
        return any(
            reference in body and "accepté" in body for body in world.twilio.texts_to(VICTIM_PHONE)
        )

    await eventually(told)
    assert not any(reference in text for text in tg.texts(ATTACKER))

    # The attacker's "My bookings" shows only their own; the victim's can't be opened...
    await tg.say(ATTACKER, "/mybookings")
    listed = tg.last(ATTACKER)
    assert own.reference in (listed.text or "") + " ".join(_labels(listed))
    assert reference not in (listed.text or "") + " ".join(_labels(listed))
    assert not any(str(booking.id) in d for d in listed.callback_data())
    # A forged press on the list (Telegram itself would refuse one; a client can't be trusted).
    press = {
        "id": "forged-1",
        "from": ATTACKER.to_json(),
        "message": listed.to_json(),
        "chat_instance": "1",
        "data": f"g|bk:{booking.id}",
    }
    forged = await tg.fake.inject(CLIENT_TOKEN, {"callback_query": press})
    assert (forged.state, forged.status) == ("delivered", 200)
    assert translator("fr")("This booking is not yours.") in (tg.last(ATTACKER).text or "")
    # ...nor cancelled.
    [booking] = await tg.rows(Booking, Booking.reference == reference)
    assert (booking.state, booking.client_id) == ("accepted", victim.id)


async def test_a_proven_number_joins_whatsapp_to_the_telegram_account(world: World) -> None:
    """The other side of the rule: Telegram's own contact share is a proof, and the same
    person's WhatsApp then joins that account."""
    tg = world.tg
    victim = FakeUser(id=7777, first_name="Salma", language_code="fr")
    await tg.say(victim, f"/start p-{tg.provider.slug}")
    for code in (f"book:{tg.provider.service_id}", "evt:wedding"):
        await tg.tap(victim, code)
    await tg.say(victim, "14 juin")
    await tg.tap(victim, "gst:100")
    await tg.tap(victim, "city:rabat")
    await tg.say(victim, "Salle des fêtes")
    await tg.tap(victim, "skip")
    await tg.share(victim, VICTIM_PHONE.lstrip("+"))  # Telegram's own: user_id is the sender
    await tg.tap(victim, "skip")  # email
    await tg.tap(victim, "confirm")  # the request keeps the proven number on the account
    on_telegram = await world.user_of("telegram_client", str(victim.id))
    assert on_telegram.phone_e164 == VICTIM_PHONE

    await world.victim_says("Bonjour")
    assert (await world.user_of("whatsapp", VICTIM_PHONE)).id == on_telegram.id


def _buttons(tg: TelegramApp, user: FakeUser, bot: str) -> list[str]:
    token = CLIENT_TOKEN if bot == "client" else PROVIDER_TOKEN
    return [d for m in tg.fake.sent_to(user.id, bot=token) for d in m.callback_data()]


def _labels(message: StoredMessage) -> list[str]:
    markup = message.reply_markup or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [str(button.get("text", "")) for row in rows for button in row]


async def test_someone_elses_contact_card_proves_nothing_on_the_client_bot(world: World) -> None:
    """A contact card of another person (its user_id is theirs, or absent) is no proof:
    the phone step does not take it, and the account gets no phone from it."""
    tg = world.tg
    await attacker_books_typing(world, VICTIM_TYPED)
    await tg.say(ATTACKER, f"/start p-{tg.provider.slug}")
    await tg.tap(ATTACKER, f"book:{tg.provider.service_id}")
    await tg.tap(ATTACKER, "evt:birthday")
    await tg.say(ATTACKER, "21 juin")
    await tg.tap(ATTACKER, "gst:50")
    await tg.tap(ATTACKER, "city:rabat")
    await tg.say(ATTACKER, "Chez moi")
    await tg.tap(ATTACKER, "skip")
    # The typed number of the first booking is prefilled: edit it to send a card instead.
    await tg.tap(ATTACKER, "skip")  # email
    await tg.tap(ATTACKER, "edit:phone")
    for n, owner in enumerate((7777, None)):
        contact: dict[str, object] = {
            "phone_number": VICTIM_PHONE.lstrip("+"),
            "first_name": "Salma",
        }
        if owner is not None:
            contact["user_id"] = owner
        message = {
            "message_id": 9000 + n,
            "from": ATTACKER.to_json(),
            "chat": ATTACKER.chat_json(),
            "date": 1_777_885_200,
            "contact": contact,
        }
        delivery = await tg.fake.inject(CLIENT_TOKEN, {"message": message})
        assert (delivery.state, delivery.status) == ("delivered", 200)
    fr = translator("fr")
    assert fr("Please write your answer, or choose an option.") in "\n".join(
        tg.texts(ATTACKER)[-2:]
    )
    attacker = await world.user_of("telegram_client", str(ATTACKER.id))
    assert attacker.phone_e164 is None
    await world.victim_says("Bonjour")
    assert (await world.user_of("whatsapp", VICTIM_PHONE)).id != attacker.id
