"""Issue 13 end to end: counter-proposals and proof of delivery, through the webhooks.

Telegram: the provider bot and the client bot behind our real webhook routes, the fake
Bot API playing both people, the app's own outbox worker delivering the news. WhatsApp:
the client on the fake Twilio (signed webhooks), the provider on Telegram.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import Booking, BookingProposal, Service, SlotHold, User
from dialogs.i18n.translator import translator
from tests.e2e.test_telegram_journey import client_user
from tests.e2e.test_whatsapp_journey import (
    CLIENT_PHONE,
    PROVIDER,
    PROVIDER_PHONE,
    PROVIDER_TOKEN,
    World,
    option,
    world,
)
from tests.fakes import FakeUser, StoredMessage
from tests.fakes.twilio_api import SentMessage
from tests.support.bookings import S, drive_to, request
from tests.support.factories import make_provider
from tests.support.telegram_app import (
    PROVIDER_TOKEN as TG_PROVIDER_TOKEN,
)
from tests.support.telegram_app import (
    TelegramApp,
    assert_wire_clean,
    eventually,
)

__all__ = ["world"]  # the WhatsApp journey's running app, used here as a fixture

FR = translator("fr")
SALMA = FakeUser(id=2001, first_name="Salma", language_code="fr")
KARIM = FakeUser(id=3001, first_name="Karim", language_code="fr")
NADIA = FakeUser(id=3002, first_name="Nadia", language_code="fr")  # another provider
DAY, NEW_DAY = date(2026, 6, 14), date(2026, 6, 20)


async def connected_provider(tg: TelegramApp, user: FakeUser, phone: str) -> None:
    await tg.say(user, "/start", bot="provider")
    await tg.share(user, phone.lstrip("+"), bot="provider")
    assert FR("Your account is connected.") in tg.texts(user, bot="provider")


async def a_request(tg: TelegramApp, clock: FixedClock) -> tuple[int, int]:
    """Salma (on the client bot) asks Karim's studio for 14 June: (client id, booking id)."""
    await tg.say(SALMA, "/start")
    client = await client_user(tg, SALMA)
    booking_id = await request(tg.uows, clock.now(), client.id, tg.provider.service_id, DAY)
    return client.id, booking_id


async def propose(tg: TelegramApp, booking_id: int, day: str, total: str) -> None:
    await tg.say(KARIM, "/bookings", bot="provider")
    await tg.tap(KARIM, f"bk:{booking_id}", bot="provider")
    await tg.tap(KARIM, "pro", bot="provider")
    await tg.say(KARIM, day, bot="provider")
    await tg.say(KARIM, total, bot="provider")
    await tg.say(KARIM, "La salle a changé de date, désolé", bot="provider")
    await tg.tap(KARIM, "send", bot="provider")


async def proposal_id(tg: TelegramApp) -> int:
    rows = await tg.rows(BookingProposal, order=BookingProposal.id.desc())
    return rows[0].id


async def news_with(
    tg: TelegramApp, user: FakeUser, code: str, bot: str = "client"
) -> StoredMessage:
    def arrived() -> bool:
        try:
            tg.message_with(user, code)
        except AssertionError:
            return False
        return True

    await eventually(arrived, what=f"a message with {code}")
    return tg.message_with(user, code)


async def test_counter_proposal_accepted_on_telegram(tg: TelegramApp, clock: FixedClock) -> None:
    menu = tg.fake.commands(TG_PROVIDER_TOKEN, language_code="ar")
    assert {"bookings", "earnings"} <= {c["command"] for c in menu}  # Telegram's command menu
    await connected_provider(tg, KARIM, tg.provider.phone)
    client_id, booking_id = await a_request(tg, clock)
    [booking] = await tg.rows(Booking, Booking.id == booking_id)

    await propose(tg, booking_id, "20 juin", "4500")
    sent = FR(
        "Your proposal for {ref} was sent to the client. We will tell you their answer.",
        ref=booking.reference,
    )
    assert sent in tg.texts(KARIM, bot="provider")
    pid = await proposal_id(tg)

    # Salma reads it in French, with Accept / Refuse, and accepts.
    news = await news_with(tg, SALMA, f"cpa:{pid}")
    assert news.text is not None and FR.money(450_000) in news.text
    assert FR("The provider's message") + ": La salle a changé de date, désolé" in news.text
    assert news.callback_data() == [f"g|cpa:{pid}", f"g|cpr:{pid}", f"g|bk:{booking_id}"]
    await tg.tap(SALMA, f"cpa:{pid}", message=news)
    [booking] = await tg.rows(Booking, Booking.id == booking_id)
    assert (booking.state, booking.event_date, booking.total_minor) == (
        "accepted",
        NEW_DAY,
        450_000,
    )
    holds = await tg.rows(SlotHold, SlotHold.booking_id == booking_id)
    assert [h.day for h in holds] == [NEW_DAY]
    # "Pay" makes the deposit's link before its own transaction: one tap away.
    await tg.tap(SALMA, f"pay:{booking_id}")
    assert any("/pay/" in t for t in tg.texts(SALMA))

    # The old date is free again; the provider hears the answer on his bot.
    other = await request(tg.uows, clock.now(), client_id, tg.provider.service_id, DAY)
    assert other
    told = FR(
        "The client accepted your proposal for {ref}: it is booked for {date}, total {total}."
        " They have been asked to pay the deposit.",
        ref=booking.reference,
        date=FR.date(NEW_DAY),
        total=FR.money(450_000),
    )
    await eventually(lambda: told in tg.texts(KARIM, bot="provider"), what="the provider told")

    # Two fast taps do one thing: the second is answered, nothing changes.
    await tg.tap(SALMA, f"cpa:{pid}", message=news)
    assert FR("This proposal was already answered. Nothing more to do.") in tg.texts(SALMA)[-1]
    [again] = await tg.rows(Booking, Booking.id == booking_id)
    assert (again.state, again.event_date, again.updated_at) == (
        "accepted",
        NEW_DAY,
        booking.updated_at,
    )
    assert_wire_clean(tg.fake)


async def test_another_providers_buttons_are_refused(tg: TelegramApp, clock: FixedClock) -> None:
    await connected_provider(tg, KARIM, tg.provider.phone)
    _, booking_id = await a_request(tg, clock)
    other_owner, _, _ = await make_provider(tg.uows, clock.now(), slug="nadia-films")
    async with tg.uows() as uow:
        user = await uow.session.get(User, other_owner)
        assert user is not None
        user.phone_e164 = "+212661999888"
        await uow.commit()
    await connected_provider(tg, NADIA, "+212661999888")
    await tg.say(NADIA, "/bookings", bot="provider")
    screen = tg.last(NADIA, bot="provider")
    assert not any(str(booking_id) in d for d in screen.callback_data())

    for n, data in enumerate(
        (
            f"g|pacc:{booking_id}",
            f"g|pbk:{booking_id}",
            f"g|ppro:{booking_id}",
            f"g|pdel:{booking_id}",
            f"g|preq:{booking_id}",  # refused, the bookings list is shown again
        )
    ):
        press = {
            "id": f"forged-{n}",
            "from": NADIA.to_json(),
            "message": screen.to_json(),
            "chat_instance": "1",
            "data": data,
        }
        forged = await tg.fake.inject(TG_PROVIDER_TOKEN, {"callback_query": press})
        assert (forged.state, forged.status) == ("delivered", 200)
        assert FR("This booking is not yours.") in (tg.last(NADIA, bot="provider").text or "")
    [booking] = await tg.rows(Booking, Booking.id == booking_id)
    assert (booking.state, booking.event_date) == ("requested", DAY)
    assert await tg.rows(BookingProposal) == []


class ProviderOnTelegram:
    """The provider on the WhatsApp journey's Telegram fake, which limits a chat to about a
    message a second: an answer held back comes later, so each press waits for the screen
    that offers it, among the messages that came after the last action (or the pressed
    message itself, which a new screen edits in place, issue 19)."""

    def __init__(self, world: World) -> None:
        self.telegram, self.seen = world.telegram, 0
        self.pressed: StoredMessage | None = None

    def _messages(self) -> list[StoredMessage]:
        return self.telegram.sent_to(PROVIDER.id, bot=PROVIDER_TOKEN)

    async def say(self, text: str) -> None:
        self.seen, self.pressed = len(self._messages()), None
        await self.telegram.user_sends_text(PROVIDER_TOKEN, PROVIDER, text)

    async def tap(self, code: str) -> None:
        def offering() -> tuple[StoredMessage, str] | None:
            pressed = [self.pressed] if self.pressed is not None else []
            for message in [*reversed(self._messages()[self.seen :]), *pressed]:
                for data in message.callback_data():
                    if data.endswith("|" + code):
                        return message, data
            return None

        await eventually(lambda: offering() is not None, within=20, what=f"a screen with {code}")
        found = offering()
        assert found is not None
        self.seen, self.pressed = len(self._messages()), found[0]
        await self.telegram.user_presses(PROVIDER_TOKEN, PROVIDER, found[0].message_id, found[1])


async def test_whatsapp_client_refuses_then_accepts_and_sees_the_proof(world: World) -> None:
    """The client on WhatsApp, the provider on Telegram: the proposal arrives in French with
    numbered answers; a refusal keeps the request, a second proposal is accepted; later
    the delivery arrives with its photo and a confirmation to give."""
    telegram, uows, now = world.telegram, world.container.uows, world.clock.now()
    await telegram.user_sends_text(PROVIDER_TOKEN, PROVIDER, "/start")
    await telegram.user_shares_contact(PROVIDER_TOKEN, PROVIDER, PROVIDER_PHONE)
    await world.client_says("Bonjour")
    async with uows() as uow:
        client = await uow.session.scalar(select(User.id).where(User.phone_e164 == CLIENT_PHONE))
        service_id = await uow.session.scalar(select(Service.id))  # the studio's only one
        assert client is not None and service_id is not None
    booking_id = await request(uows, now, client, service_id, DAY)

    provider = ProviderOnTelegram(world)

    async def provider_proposes(day: str, total: str) -> None:
        await provider.say("/bookings")
        await provider.tap(f"bk:{booking_id}")
        await provider.tap("pro")
        await provider.say(day)
        await provider.say(total)
        await provider.tap("skip")
        await provider.tap("send")

    async with uows() as uow:
        reference = str(await uow.session.scalar(select(Booking.reference)))

    def proposals_shown() -> list[SentMessage]:
        return [m for m in world.twilio.sent_to(CLIENT_PHONE) if reference in (m.body or "")]

    await provider_proposes("21 juin", "5000")  # the date only
    await world.quiet()
    [first] = proposals_shown()
    assert FR.date(date(2026, 6, 21)) in (first.body or "")
    shown = await world.client_says(option([first], FR("Refuse")))
    kept = FR(
        "You kept your request {ref} as it was. {provider} has been told and will answer it.",
        ref=reference,
        provider="studio-atlas",
    )
    assert any(kept in (m.body or "") for m in shown)
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        assert (booking.state, booking.event_date) == ("requested", DAY)
    # Asked why, the client says it on WhatsApp; the provider reads it on Telegram.
    why = "Le 21 juin la salle est prise"
    await world.client_says(why)
    said = FR("About your proposal for {ref}, the client says: “{words}”", ref=reference, words=why)

    def heard() -> bool:
        return any(m.text == said for m in world.telegram.sent_to(PROVIDER.id, bot=PROVIDER_TOKEN))

    await eventually(heard, within=20, what="the client's words on the provider's bot")

    await provider_proposes("20 juin", "4500")
    await world.quiet()
    second = proposals_shown()[-1]
    assert FR.money(450_000) in (second.body or "")
    await world.client_says(option([second], FR("Accept")))
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        assert (booking.state, booking.event_date, booking.total_minor) == (
            "accepted",
            NEW_DAY,
            450_000,
        )
        days = (
            await uow.session.scalars(select(SlotHold.day).where(SlotHold.booking_id == booking_id))
        ).all()
        assert list(days) == [NEW_DAY]

    # A past event, confirmed: delivered with a photo as proof from the dashboard.
    past = await request(uows, now - timedelta(days=20), client, service_id, date(2026, 5, 2))
    async with uows() as uow:
        owner = await uow.session.scalar(select(User.id).where(User.phone_e164 == PROVIDER_PHONE))
    assert owner is not None
    await drive_to(uows, past, S.CONFIRMED, owner=owner, now=now - timedelta(days=20))
    await world.quiet()
    await provider.say("/bookings")
    await provider.tap(f"bk:{past}")
    await provider.tap("dlv")
    photo = "https://mounasabet.example/static/demo/a-2.jpg"
    await provider.say(photo)
    await world.quiet()
    delivered = [m for m in world.twilio.sent_to(CLIENT_PHONE) if photo in m.media_urls]
    assert delivered, "the proof's photo did not reach the client"
    latest = world.twilio.sent_to(CLIENT_PHONE)[-3:]
    assert any(photo in (m.body or "") for m in latest)  # and its address in the text
    await world.client_says(option(latest, FR("Confirm delivery")))
    async with uows() as uow:
        booking = await uow.session.get(Booking, past)
        assert booking is not None and booking.delivery_confirmed_at is not None
