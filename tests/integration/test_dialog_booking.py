"""A client books a provider end to end through the real dialog engine, in ar, fr and en.

By buttons (language from the chat's ``language_code``) and by free text (language chosen
with /language); then the provider accepts or declines from the provider bot, and the
client's news is rendered in the client's language.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.db.tables import Booking
from core.uow import UnitOfWorkFactory
from dialogs.client.menu import AFTER_ACTION
from dialogs.i18n.translator import translator
from dialogs.notifications.render import CLIENT_TEXT
from tests.support.chat import (
    Chat,
    bookings,
    client_chat,
    holds,
    news_for,
    outbox,
    provider_chat,
    sqlite_uows,
    user_of,
)
from tests.support.factories import make_provider

DAY = date(2026, 6, 14)  # a Sunday, six weeks after the fixed clock's 2026-05-04
LANGS = ["ar", "fr", "en"]
DATE_TEXT = {"ar": "14 يونيو", "fr": "14 juin", "en": "14 June"}
FREE_TEXT = {
    "ar": "مصور في الرباط يوم 14 يونيو ل 200 ضيف",
    "fr": "photographe à Rabat le 14 juin pour 200 invités",
    "en": "photographer in Rabat on 14 June for 200 guests",
}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "booking.db") as uows:
        yield uows


def assert_speaks(chat: Chat, lang: str) -> None:
    """The last update's replies are laid out for ``lang`` (Arabic right to left)."""
    assert chat.replies
    assert {r.rtl for r in chat.replies} == {lang == "ar"}


async def book_by_buttons(chat: Chat, lang: str, provider_id: int, service_id: int) -> None:
    t = translator(lang)
    await chat.send("/start")
    assert_speaks(chat, lang)
    await chat.click("m:find")
    await chat.click("cat:photographer")
    await chat.click("city:rabat")
    assert await chat.position() == "discover:date"
    await chat.send(DATE_TEXT[lang])
    assert await chat.position() == "discover:results"
    assert t.date(DAY, "medium") in chat.last.text
    await chat.click(f"open:{provider_id}")
    assert "studio-atlas" in chat.last.text
    await chat.click(f"book:{service_id}")
    # The date and the city come from the search; the occasion is the first question.
    assert await chat.position() == "book:event_type"
    await chat.click("evt:wedding")
    assert await chat.position() == "book:guests"
    await chat.click("gst:200")
    assert await chat.position() == "book:venue"
    await chat.send("Salle Al Amal, Agdal")
    await chat.click("skip")
    assert await chat.position() == "book:phone"
    await chat.send("06 12 34 56 78")
    await chat.click("skip")
    assert await chat.position() == "book:summary"


async def book_by_free_text(chat: Chat, lang: str, provider_id: int, service_id: int) -> None:
    await chat.send("/language")
    await chat.click(f"lang:{lang}")
    assert (await user_of(chat)).locale == lang
    assert_speaks(chat, lang)
    await chat.send(FREE_TEXT[lang])
    # One message answers category, city, date and guests: the results come at once.
    assert len(chat.replies) == 1
    assert await chat.position() == "discover:results"
    data = (await chat.state()).data
    assert (data["category"], data["city"], data["day"]) == ("photographer", "rabat", "2026-06-14")
    assert data["guests"] == 200
    assert f"open:{provider_id}" in chat.buttons()
    assert translator(lang).date(DAY, "medium") in chat.last.text
    await chat.click(f"open:{provider_id}")
    await chat.click(f"book:{service_id}")
    await chat.click("evt:wedding")
    # Date, guests and city were answered by the free text: straight to the venue.
    assert await chat.position() == "book:venue"
    await chat.send("Salle Al Amal, Agdal")
    await chat.send("Black and white photos please")
    await chat.share_contact("+212612345678")
    assert await chat.position() == "book:email"
    await chat.send("client@example.com")
    assert await chat.position() == "book:summary"


async def confirm_and_check(chat: Chat, uows: UnitOfWorkFactory, lang: str) -> Booking:
    t = translator(lang)
    summary = chat.last.text
    assert t("Please check your request:") in summary
    assert t.date(DAY) in summary
    assert t.money(500_000) in summary and t.money(150_000) in summary
    assert chat.last.rtl is (lang == "ar")
    await chat.click("confirm")
    assert await chat.position() == "menu:main"
    # The form's answers are gone; the menu only knows a request was just sent (issue 14).
    assert (await chat.state()).data == {AFTER_ACTION: True}
    [booking] = await bookings(uows)
    assert booking.reference in chat.replies[0].text
    client = await user_of(chat)
    assert booking.client_id == client.id
    assert booking.state == "requested"
    assert (booking.event_type, booking.event_date, booking.city) == ("wedding", DAY, "rabat")
    assert booking.guests == 200
    assert booking.venue == "Salle Al Amal, Agdal"
    assert booking.contact_phone == "+212612345678"
    assert (booking.total_minor, booking.deposit_minor, booking.currency) == (
        500_000,
        150_000,
        "MAD",
    )
    assert await holds(uows, booking.id) == 1
    return booking


async def assert_provider_told(uows: UnitOfWorkFactory, booking: Booking, owner: int) -> None:
    messages = [(m.kind, m.user_id, m.payload["booking_id"]) for m in await outbox(uows)]
    assert messages == [("booking_requested", owner, booking.id)]


@pytest.mark.parametrize("lang", LANGS)
async def test_book_by_buttons_then_provider_accepts(
    db: UnitOfWorkFactory, clock: FixedClock, lang: str
) -> None:
    owner, provider_id, service_id = await make_provider(db, clock.now())
    chat = client_chat(db, clock, language=lang)
    await book_by_buttons(chat, lang, provider_id, service_id)
    booking = await confirm_and_check(chat, db, lang)
    assert booking.notes == ""
    await assert_provider_told(db, booking, owner)

    provider = await provider_chat(db, clock, owner)
    await provider.send("/start")
    waiting = "Hello {name}. Requests waiting for your answer: {n}."
    assert translator("fr")(waiting, name="studio-atlas", n=1) in provider.last.text
    assert f"req:{booking.id}" in provider.buttons()
    await provider.click(f"req:{booking.id}")
    assert booking.reference in provider.last.text
    assert provider.buttons() == [
        f"g|pacc:{booking.id}",
        f"g|pdec:{booking.id}",
        f"g|ppro:{booking.id}",
    ]
    await provider.click(f"g|pacc:{booking.id}")
    assert booking.reference in provider.replies[0].text
    assert await provider.position() == "phome:home"
    [after] = await bookings(db)
    assert after.state == "accepted"

    [news] = chat.seen(await news_for(db, "booking_accepted", booking.client_id))
    t = translator(lang)
    assert news.text == t(
        CLIENT_TEXT["booking_accepted"],
        provider="studio-atlas",
        ref=booking.reference,
        deposit=t.money(150_000),
    )
    assert t.money(150_000) in news.text and news.rtl is (lang == "ar")
    # The notification's button opens the booking, whatever screen the client is on.
    await chat.click(f"g|bk:{booking.id}")
    assert await chat.position() == "mybookings:detail"
    assert booking.reference in chat.last.text


@pytest.mark.parametrize("lang", LANGS)
async def test_book_by_free_text_then_provider_declines(
    db: UnitOfWorkFactory, clock: FixedClock, lang: str
) -> None:
    owner, provider_id, service_id = await make_provider(db, clock.now())
    chat = client_chat(db, clock, language=None)  # no language from the channel: French
    await chat.send("/start")
    assert (await user_of(chat)).locale == "fr"
    await book_by_free_text(chat, lang, provider_id, service_id)
    booking = await confirm_and_check(chat, db, lang)
    assert booking.notes == "Black and white photos please"
    assert booking.contact_email == "client@example.com"
    await assert_provider_told(db, booking, owner)

    # The provider answers from the new-request notification itself.
    provider = await provider_chat(db, clock, owner)
    provider.seen(await news_for(db, "booking_requested", owner))
    assert booking.reference in provider.last.text
    await provider.click(f"g|pdec:{booking.id}")
    assert await provider.position() == "decline:reason"
    await provider.send("Our team is away that weekend")
    [after] = await bookings(db)
    assert after.state == "declined"
    assert after.decline_reason == "Our team is away that weekend"
    assert await holds(db, booking.id) == 0

    [news] = chat.seen(await news_for(db, "booking_declined", booking.client_id))
    t = translator(lang)
    assert news.text.splitlines()[0] == t(
        CLIENT_TEXT["booking_declined"],
        provider="studio-atlas",
        ref=booking.reference,
        reason="Our team is away that weekend",
    )
    assert news.rtl is (lang == "ar")


async def test_a_date_too_soon_says_how_much_notice_the_service_needs(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, service_id = await make_provider(db, clock.now(), min_notice_hours=72)
    chat = client_chat(db, clock, language="fr")
    await chat.send("/start p-studio-atlas")
    await chat.click(f"book:{service_id}")
    await chat.click("evt:wedding")
    tomorrow = clock.now().date() + timedelta(days=1)
    await chat.send(tomorrow.strftime("%d/%m/%Y"))
    fr = translator("fr")
    assert (
        fr(
            "This service is booked at least {notice} ahead. Please choose a later date.",
            notice="3 jours",
        )
        in chat.text
    )
    assert await chat.position() == "book:date"
