"""After a confirmed event has ended, the provider is asked once, in the provider bot, to
mark it delivered, with the button that does it: the worker delivers the prompt, the tap
marks the booking delivered, and the sweep asks nothing more."""

from __future__ import annotations

from datetime import timedelta

from core.booking.states import BookingState
from core.clock import FixedClock
from core.db.tables import Booking, ChannelIdentity
from dialogs.i18n.translator import translator
from tests.fakes import FakeUser
from tests.support.bookings import drive_to, request
from tests.support.sweeps import booking, sweep
from tests.support.telegram_app import TelegramApp, assert_wire_clean, eventually

SALMA = FakeUser(id=2401, first_name="Salma", language_code="fr")
KARIM = FakeUser(id=3401, first_name="Karim", language_code="fr")


async def test_the_provider_is_asked_to_mark_an_ended_event_delivered_once(
    tg: TelegramApp, clock: FixedClock
) -> None:
    fr = translator("fr")
    await tg.say(KARIM, "/start", bot="provider")
    await tg.share(KARIM, tg.provider.phone.removeprefix("+"), bot="provider")
    await tg.say(SALMA, "/start")
    [identity] = await tg.rows(ChannelIdentity, ChannelIdentity.external_id == str(SALMA.id))
    day = (clock.now() + timedelta(days=20)).date()
    booking_id = await request(tg.uows, clock.now(), identity.user_id, tg.provider.service_id, day)
    await drive_to(
        tg.uows, booking_id, BookingState.CONFIRMED, owner=tg.provider.owner_id, now=clock.now()
    )
    ends_at = (await booking(tg.uows, booking_id)).ends_at

    clock.set(ends_at - timedelta(minutes=1))  # still on
    assert (await sweep(tg.uows, "delivery-prompts", clock.now()))["prompted"] == 0
    clock.set(ends_at)
    assert (await sweep(tg.uows, "delivery-prompts", clock.now()))["prompted"] == 1
    assert (await sweep(tg.uows, "delivery-prompts", clock.now()))["prompted"] == 0

    reference = await tg.scalar(Booking.reference, Booking.id == booking_id)
    asked = fr(
        "The event {ref} of {date} is over. Once you have delivered what was booked, tap "
        "“Mark as delivered”: the client confirms it, then the balance is charged.",
        ref=reference,
        date=fr.date(day),
    )
    await eventually(
        lambda: asked in tg.texts(KARIM, bot="provider"), what="the prompt in the provider bot"
    )
    await tg.tap(KARIM, f"pdel:{booking_id}", bot="provider")
    assert (await booking(tg.uows, booking_id)).state == BookingState.DELIVERED.value
    clock.advance(timedelta(hours=1))
    assert (await sweep(tg.uows, "delivery-prompts", clock.now()))["prompted"] == 0
    assert_wire_clean(tg.fake)
