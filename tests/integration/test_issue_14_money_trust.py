"""Issue 14, money and trust: delivery only once the event has begun, the day held until
completion, and each side's contact for the other once the deposit is paid."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.clock import FixedClock
from core.db.tables import Ticket, User
from core.errors import SlotUnavailable
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from tests.support.bookings import S, drive_to, pay, request, snapshot
from tests.support.chat import (
    bookings,
    client_chat,
    link_provider,
    news_for,
    provider_chat,
    sqlite_uows,
)
from tests.support.factories import make_provider, make_user

DAY = date(2026, 6, 14)
FR, AR, EN = translator("fr"), translator("ar"), translator("en")
PROVIDER_PHONE = "+212522334455"
CLIENT_PHONE = "+212612345678"
TOO_EARLY = "The event has not started yet: you can mark it as delivered from {day}."


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "issue14.db") as uows:
        yield uows


async def set_user(uows: UnitOfWorkFactory, user_id: int, **values: object) -> None:
    async with uows() as uow:
        await uow.session.execute(update(User).where(User.id == user_id).values(**values))
        await uow.commit()


async def test_delivery_is_refused_before_the_event_starts_in_the_providers_language(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, service_id = await make_provider(db, clock.now())
    client = await make_user(db, clock.now())
    booking_id = await request(db, clock.now(), client, service_id, DAY)
    await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=clock.now())
    [booking] = await bookings(db)
    provider = await provider_chat(db, clock, owner)
    await provider.send("/start")
    await provider.click(f"req:{booking_id}")

    # Months before, and still one minute before the start in Casablanca: refused, in French.
    for at in (clock.now(), booking.starts_at - timedelta(minutes=1)):
        clock.set(at)
        await provider.press(f"g|pdel:{booking_id}")
        assert FR(TOO_EARLY, day=FR.date(DAY)) in provider.text
        assert (await snapshot(db, booking_id)).state == "confirmed"
    # The full day starts at midnight in Casablanca: 23:00 UTC the day before, in June.
    assert (booking.starts_at.date(), booking.starts_at.hour) == (DAY - timedelta(days=1), 23)
    clock.set(booking.starts_at)
    await provider.press(f"g|pdel:{booking_id}")
    assert (await snapshot(db, booking_id)).state == "delivered"


async def test_a_completed_booking_keeps_its_time_against_a_second_request(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, service_id = await make_provider(
        db,
        clock.now(),
        duration_minutes=180,
        pricing_model="per_hour",
        price_minor=100_000,
        capacity=2,  # two sessions a day: only the hours taken stop a second one
    )
    client = await make_user(db, clock.now())
    booking_id = await request(db, clock.now(), client, service_id, DAY, start_time=time(18))
    await drive_to(db, booking_id, S.COMPLETED, owner=owner, now=clock.now())
    assert (await snapshot(db, booking_id)).state == "completed"
    clock.set(clock.now().replace(year=2026, month=6, day=1))
    with pytest.raises(SlotUnavailable) as refused:
        await request(db, clock.now(), client, service_id, DAY, start_time=time(19))
    assert refused.value.key == "slot_overlaps_booking"


async def test_after_the_deposit_each_side_gets_the_others_name_and_phone(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, service_id = await make_provider(db, clock.now())
    await set_user(db, owner, phone_e164=PROVIDER_PHONE)
    client = await make_user(db, clock.now())
    await set_user(db, client, locale="ar")
    booking_id = await request(
        db,
        clock.now(),
        client,
        service_id,
        DAY,
        contact_name="Salma Bennani",
        contact_phone=CLIENT_PHONE,
    )
    provider = await provider_chat(db, clock, owner)
    await provider.send("/start")
    await provider.click(f"req:{booking_id}")
    assert CLIENT_PHONE not in provider.text and "Salma" not in provider.text  # not before

    await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=clock.now())
    await provider.send("/start")
    await provider.click(f"req:{booking_id}")
    assert FR("Client") + ": Salma Bennani" in provider.text
    assert FR("Phone") + ": " + FR.isolate(CLIENT_PHONE) in provider.text

    await link_provider(db, client, "c:salma", clock.now())
    client_view = client_chat(db, clock, key="c:salma", language="ar")
    [to_client] = client_view.seen(await news_for(db, "deposit_paid", client))
    assert (
        AR(
            "Your provider: {name}. Phone: {phone}",
            name="studio-atlas",
            phone=AR.isolate(PROVIDER_PHONE),
        )
        in to_client.text
    )
    assert "\u2068" + PROVIDER_PHONE + "\u2069" in to_client.text  # the "+" stays on the left
    [to_provider] = provider.seen(await news_for(db, "deposit_paid", owner))
    assert (
        FR(
            "Your client: {name}. Phone: {phone}",
            name="Salma Bennani",
            phone=FR.isolate(CLIENT_PHONE),
        )
        in to_provider.text
    )
    # Under it, the provider's card, with the client's details (not the client bot's).
    await provider.click(f"g|pbk:{booking_id}")
    assert FR("Client") + ": Salma Bennani" in provider.text
    # The client's own view of the booking keeps the provider's phone, as the provider's
    # card keeps the client's; a request not yet paid shows none.
    await client_view.send("/start")
    await client_view.press(f"g|bk:{booking_id}")
    assert AR("Phone") + ": " + AR.isolate(PROVIDER_PHONE) in client_view.text
    unpaid = await request(db, clock.now(), client, service_id, DAY + timedelta(days=1))
    await client_view.press(f"g|bk:{unpaid}")
    assert AR("Booking {ref}", ref="") in client_view.text and PROVIDER_PHONE not in (
        client_view.text
    )


async def test_the_client_s_booking_view_gives_the_hours_and_the_place(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """What the client typed and the provider's card shows: the start, the end (an hourly
    service) and the place; a full-day booking gives its day alone."""
    _, _, hourly = await make_provider(db, clock.now(), slug="dj-hours", duration_minutes=240)
    _, _, full_day = await make_provider(db, clock.now(), slug="venue-day")
    client = await make_user(db, clock.now())
    timed = await request(
        db, clock.now(), client, hourly, DAY, start_time=time(14, 0), venue="Villa Anfa"
    )
    whole = await request(db, clock.now(), client, full_day, DAY)
    await link_provider(db, client, "c:hours", clock.now())
    view = client_chat(db, clock, key="c:hours", language="fr")
    await view.send("/start")
    await view.press(f"g|bk:{timed}")
    at, until = FR("at {time}", time="14:00"), FR("until {time}", time="18:00")
    assert FR("Date") + ": " + FR.join((f"{FR.date(DAY)} {at}", until)) in view.text
    assert FR("Place") + ": Villa Anfa" in view.text
    await view.press(f"g|bk:{whole}")
    assert FR("Date") + ": " + FR.date(DAY) + "\n" in view.text
    assert FR("Place") + ": —" in view.text


async def test_the_client_s_booking_view_says_what_is_left_to_pay_and_opens_a_ticket_about_it(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The service, the guests and what is still to pay (the deposit once accepted, the
    balance once confirmed) are on the client's booking, as on the summary they sent; its
    Help button opens a support ticket about that booking, without asking which."""
    owner, _, service = await make_provider(db, clock.now(), slug="studio-left")
    client = await make_user(db, clock.now())
    booking = await request(db, clock.now(), client, service, DAY, guests=80)
    await link_provider(db, client, "c:left", clock.now())
    view = client_chat(db, clock, key="c:left", language="fr")
    await view.send("/start")
    await view.press(f"g|bk:{booking}")
    assert FR("Service") + ": " + "Reportage" in view.text
    assert FR("Guests") + ": 80" in view.text
    assert FR("Deposit to confirm") not in view.text  # nothing is due before the answer
    await drive_to(db, booking, S.ACCEPTED, owner=owner, now=clock.now())
    await view.press(f"g|bk:{booking}")
    assert FR("Deposit to confirm") + ": " + FR.money(150_000, "MAD") in view.text
    await pay(db, booking, "deposit", now=clock.now())
    await view.press(f"g|bk:{booking}")
    assert FR("Deposit to confirm") not in view.text
    assert FR("Balance after the event") + ": " + FR.money(350_000, "MAD") in view.text

    await view.click("help")
    [ref] = [b.reference for b in await bookings(db) if b.id == booking]
    assert FR("About booking {ref}.", ref=ref) in view.text  # which one, said
    assert FR("Please describe the problem in a few words.") in view.text
    await view.click("nav:back")  # Back is the booking again
    assert FR("Balance after the event") in view.text
    await view.click("help")
    await view.send("Le menu a changé, à qui demander ?")
    assert FR("Ticket #{n} is open. Our team will answer you here.", n=1) in view.text
    async with db() as uow:
        about = (
            await uow.session.execute(
                select(Ticket.booking_id, Ticket.category).where(Ticket.user_id == client)
            )
        ).all()
    assert about == [(booking, "booking")]
