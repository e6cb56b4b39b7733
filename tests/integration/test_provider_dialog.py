"""The provider bot: requests, Accept / Decline (with reason), stale and forged buttons.

The decisions that can race (a double tap on Accept, the client cancelling while the
provider accepts) run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from core.clock import FixedClock
from core.db.tables import Blackout, BookingTransition, OutboxMessage, User
from core.uow import UnitOfWorkFactory
from dialogs.framework.errors import state_label
from dialogs.i18n.translator import Translator, translator
from dialogs.notifications.render import CLIENT_TEXT
from dialogs.provider.decline import DECLINE_REASONS
from tests.support.bookings import S, drive_to, request, snapshot
from tests.support.chat import (
    bookings,
    client_chat,
    link_provider,
    news_for,
    provider_chat,
    sqlite_uows,
    user_of,
)
from tests.support.factories import make_provider, make_user

DAY = date(2026, 6, 14)
FR = translator("fr")  # the factories' provider speaks French
EN = translator("en")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "provider.db") as uows:
        yield uows


async def set_locale(uows: UnitOfWorkFactory, user_id: int, locale: str) -> None:
    async with uows() as uow:
        await uow.session.execute(update(User).where(User.id == user_id).values(locale=locale))
        await uow.commit()


async def count_rows(uows: UnitOfWorkFactory, table: type, booking_id: int) -> int:
    column = table.booking_id if table is BookingTransition else None
    async with uows() as uow:
        if column is not None:
            query = select(func.count()).select_from(table).where(column == booking_id)
        else:
            query = select(func.count()).select_from(table)
        return int(await uow.session.scalar(query) or 0)


async def kinds(uows: UnitOfWorkFactory) -> list[str]:
    async with uows() as uow:
        return list((await uow.session.scalars(select(OutboxMessage.kind))).all())


async def one_request(uows: UnitOfWorkFactory, clock: FixedClock) -> tuple[int, int, int]:
    """A provider with one pending request: (owner user id, client user id, booking id)."""
    owner, _, service_id = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service_id, DAY)
    return owner, client, booking_id


def already_moved_on(state: str, t: Translator = FR) -> str:
    return t(
        "This booking has already moved on (it is now {state_label}).",
        state_label=state_label(state, t),
    )


def you_accepted(ref: str) -> str:
    return FR("You accepted {ref}. The client has been asked to pay the deposit.", ref=ref)


async def test_someone_who_is_not_a_provider_is_told_so(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await one_request(db, clock)
    stranger = await provider_chat(db, clock, await make_user(db, clock.now()), key="p:nobody")
    await stranger.send("/start")
    # Not a provider: told how to connect (share the phone) or to register.
    assert stranger.last.request_contact and stranger.buttons() == ["register"]
    await stranger.send("hello")
    assert await stranger.position() == "phome:home"


async def test_decline_with_a_listed_reason_tells_the_client_in_arabic(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, client, booking_id = await one_request(db, clock)
    await set_locale(db, client, "ar")
    provider = await provider_chat(db, clock, owner)
    await provider.send("/start")
    assert FR("Hello {name}. Requests waiting for your answer: {n}.", name="studio-atlas", n=1) in (
        provider.last.text
    )
    await provider.click(f"req:{booking_id}")
    await provider.click(f"g|pdec:{booking_id}")
    assert [c for c in provider.buttons() if c.startswith("why:")] == [
        f"why:{code}" for code in DECLINE_REASONS
    ]
    # Back and Cancel on the reason step leave the request untouched.
    await provider.click("nav:back")
    assert await provider.position() == "phome:home"
    await provider.click(f"req:{booking_id}")
    await provider.click(f"g|pdec:{booking_id}")
    await provider.click("nav:cancel")
    assert await provider.position() == "phome:home"
    assert (await bookings(db))[0].state == "requested"

    await provider.click(f"req:{booking_id}")
    await provider.click(f"g|pdec:{booking_id}")
    await provider.send("   ")
    assert FR("Please write your answer, or choose an option.") in provider.last.text
    await provider.click("why:busy")
    [booking] = await bookings(db)
    assert booking.state == "declined"
    assert booking.decline_reason == DECLINE_REASONS["busy"]  # the msgid, not French
    assert FR("You declined {ref}. The client has been told.", ref=booking.reference) in (
        provider.text
    )
    # Declined as already booked that day: that day can be closed at once, for the others.
    day = FR.date(booking.event_date)
    closing = "Close {day} in your availability, so that no other client asks for it?"
    assert FR(closing, day=day) in provider.text
    assert await provider.position() == "decline:closeday"
    await provider.click("yes")
    assert FR("Closed on {day}. Clients can't book that day.", day=day) in provider.text
    assert await provider.position() == "phome:home"
    async with db() as uow:
        closed = (await uow.session.scalars(select(Blackout.day))).all()
    assert closed == [booking.event_date]

    # The client reads the provider's reason in Arabic, not in the provider's French.
    await link_provider(db, client, "c:client", clock.now())  # any user's chat links alike
    client_view = client_chat(db, clock, key="c:client")
    [news] = client_view.seen(await news_for(db, "booking_declined", client))
    ar = translator("ar")
    reason = ar(DECLINE_REASONS["busy"])
    assert news.rtl
    assert news.text.splitlines()[0] == ar(
        CLIENT_TEXT["booking_declined"],
        provider="studio-atlas",
        ref=booking.reference,
        reason=reason,
    )
    assert FR(DECLINE_REASONS["busy"]) == reason or FR(DECLINE_REASONS["busy"]) not in news.text
    await client_view.click(f"g|bk:{booking_id}")
    assert ar("Reason") + ": " + reason in client_view.last.text


async def test_accept_twice_and_decline_after_accept_get_polite_answers(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, booking_id = await one_request(db, clock)
    provider = await provider_chat(db, clock, owner)
    await provider.send("/start")
    await provider.click(f"req:{booking_id}")
    card = await provider.save_point()
    await provider.click(f"g|pacc:{booking_id}")
    before = await snapshot(db, booking_id)
    assert before.state == "accepted"

    # The same card's buttons, pressed again later: nothing moves, and they are told why.
    await provider.restore(card)
    await provider.click(f"g|pacc:{booking_id}")
    assert already_moved_on("accepted") in provider.last.text
    await provider.restore(card)
    await provider.click(f"g|pdec:{booking_id}")
    assert state_label("accepted", FR) in provider.last.text
    assert await provider.position() == "phome:home"
    assert await snapshot(db, booking_id) == before
    assert await kinds(db) == ["booking_requested", "booking_accepted"]


async def test_mark_delivered_from_the_request_card(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, booking_id = await one_request(db, clock)
    await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=clock.now())
    clock.set((await bookings(db))[0].starts_at)  # the event has begun (issue 14)
    provider = await provider_chat(db, clock, owner)
    await provider.send("/start")
    assert FR("Hello {name}. Requests waiting for your answer: {n}.", name="studio-atlas", n=0) in (
        provider.last.text
    )
    await provider.click(f"req:{booking_id}")
    assert provider.buttons() == [f"g|pdel:{booking_id}"]
    await provider.click(f"g|pdel:{booking_id}")
    assert (await bookings(db))[0].state == "delivered"
    await provider.press(f"g|pdel:{booking_id}")
    assert already_moved_on("delivered") in provider.last.text
    assert (await bookings(db))[0].state == "delivered"


async def test_buttons_naming_another_providers_booking_are_refused(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, booking_id = await one_request(db, clock)
    rival, _, _ = await make_provider(db, clock.now(), slug="rival-photo")
    intruder = await provider_chat(db, clock, rival, key="p:rival-photo")
    await intruder.send("/start")
    before = await snapshot(db, booking_id)
    for action in ("pacc", "pdec", "pdel", "preq"):
        await intruder.press(f"g|{action}:{booking_id}")
        assert FR("This booking is not yours.") in intruder.text, action
        assert await intruder.position() == "phome:home"
    # A client pressing a provider's button in the provider bot is no better off.
    client = await make_user(db, clock.now())
    outsider = await provider_chat(db, clock, client, key="p:client")
    await outsider.press(f"g|pacc:{booking_id}")
    assert FR("This booking is not yours.") in outsider.text
    for junk in ("g|pacc:", "g|pacc:abc", "g|pacc:-1", "g|pacc:99999", "g|pacc:1:2", "g|zzz:1"):
        await intruder.press(junk)
        assert intruder.text, junk
    assert await snapshot(db, booking_id) == before


async def test_provider_changes_language(db: UnitOfWorkFactory, clock: FixedClock) -> None:
    owner, _, _ = await one_request(db, clock)
    provider = await provider_chat(db, clock, owner)
    await provider.send("/language")
    assert await provider.position() == "language:choose"
    await provider.click("nav:back")
    assert await provider.position() == "phome:home"
    await provider.send("/language")
    await provider.click("lang:ar")
    assert await provider.position() == "phome:home"
    assert all(r.rtl for r in provider.replies)
    assert (await user_of(provider)).locale == "ar"
    await provider.send("/help")
    assert provider.last.rtl


async def test_double_tap_on_accept_accepts_once(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, client, booking_id = await one_request(uows, clock)
    provider = await provider_chat(uows, clock, owner)
    await provider.send("/start")
    await provider.click(f"req:{booking_id}")
    payload = provider.payload(f"g|pacc:{booking_id}")
    tap = provider.inbound(payload=payload)
    results = await asyncio.gather(provider.engine.handle(tap), provider.engine.handle(tap))
    texts = sorted(r[0].text for r in results)
    ref = (await bookings(uows))[0].reference
    assert sum(you_accepted(ref) in text for text in texts) == 1
    assert sum(already_moved_on("accepted") in text for text in texts) == 1
    assert (await bookings(uows))[0].state == "accepted"
    assert await count_rows(uows, BookingTransition, booking_id) == 2
    assert await kinds(uows) == ["booking_requested", "booking_accepted"]
    assert len(await news_for(uows, "booking_accepted", client)) == 1


async def test_client_cancels_while_provider_accepts(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Two chats, two engines, one booking: exactly one of them wins, the other is told."""
    owner, _, service_id = await make_provider(uows, clock.now())
    client = client_chat(uows, clock, key="c:racer")
    await client.send("/start")
    client_id = (await user_of(client)).id
    booking_id = await request(uows, clock.now(), client_id, service_id, DAY)
    await client.send("/mybookings")
    await client.click(f"bk:{booking_id}")
    await client.click("cancel")
    provider = await provider_chat(uows, clock, owner)
    await provider.send("/start")
    await provider.click(f"req:{booking_id}")
    said_client, said_provider = await asyncio.gather(
        client.click("yes"), provider.click(f"g|pacc:{booking_id}")
    )
    final = await snapshot(uows, booking_id)
    assert final.state in ("accepted", "cancelled")
    assert len(final.transitions) == 2
    ref = (await bookings(uows))[0].reference
    if final.state == "cancelled":
        assert already_moved_on("cancelled") in said_provider[0].text
        assert EN("Booking {ref} is cancelled.", ref=ref) in said_client[0].text
    else:
        assert you_accepted(ref) in said_provider[0].text
        assert already_moved_on("accepted", EN) in said_client[0].text
    [news] = [k for k in await kinds(uows) if k != "booking_requested"][:1] or [""]
    assert news == {"cancelled": "booking_cancelled", "accepted": "booking_accepted"}[final.state]


async def test_a_cancel_confirmed_after_the_provider_accepted_cancels_nothing(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The client's "Yes, cancel" answers the screen it was shown on (a request, nothing
    paid): once the provider has accepted meanwhile, it is told, not carried out."""
    owner, _, service_id = await make_provider(uows, clock.now())
    client = client_chat(uows, clock, key="c:late")
    await client.send("/start")
    booking_id = await request(uows, clock.now(), (await user_of(client)).id, service_id, DAY)
    await client.send("/mybookings")
    await client.click(f"bk:{booking_id}")
    await client.click("cancel")
    provider = await provider_chat(uows, clock, owner)
    await provider.send("/start")
    await provider.click(f"req:{booking_id}")
    await provider.click(f"g|pacc:{booking_id}")

    await client.click("yes")

    assert already_moved_on("accepted", EN) in client.last.text
    final = await snapshot(uows, booking_id)
    assert final.state == "accepted"
    assert len(final.transitions) == 2


async def test_a_decline_for_another_reason_goes_home_and_no_keeps_the_day_open(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, service_id = await make_provider(db, clock.now())
    client = await make_user(db, clock.now())
    booking_id = await request(db, clock.now(), client, service_id, DAY)
    second = await request(db, clock.now(), client, service_id, DAY + timedelta(days=1))
    provider = await provider_chat(db, clock, owner)
    await provider.send("/start")
    await provider.click(f"req:{booking_id}")
    await provider.click(f"g|pdec:{booking_id}")
    await provider.click("why:far")
    assert await provider.position() == "phome:home"
    await provider.click(f"req:{second}")
    await provider.click(f"g|pdec:{second}")
    await provider.click("why:busy")
    await provider.click("no")
    assert await provider.position() == "phome:home"
    async with db() as uow:
        assert (await uow.session.scalars(select(Blackout.day))).all() == []
