"""Issue 13, external calendars, end to end through the Telegram fake and our webhooks.

The provider pastes the address of their calendar (served by a calendar host on loopback,
which the app's settings allow for the test); the busy day it holds can't be booked; a
request whose day became busy meanwhile can't be accepted, and the provider is told why;
the provider's own feed of bookings is served at its secret address, which they can
replace (the old one then answers 404).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from datetime import date, timedelta
from typing import Any

import aiohttp
import pytest
from icalendar import Calendar, Event

from core.db.tables import Booking, BusyInterval, CalendarImport, Provider
from dialogs.i18n.translator import translator
from dialogs.notifications.render import NEW_REQUEST
from dialogs.provider.calendar import BUSY_ON_ACCEPT
from tests.fakes import Delivery, FakeUser
from tests.support.ics_server import IcsServer, ics_server
from tests.support.telegram_app import (
    TOKENS,
    TelegramApp,
    assert_wire_clean,
    delivered,
    eventually,
)

KARIM = FakeUser(id=3101, first_name="Karim", language_code="fr")  # the provider
SALMA = FakeUser(id=2101, first_name="Salma", language_code="fr")  # a client
FR = translator("fr")
HEADER = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"


def all_day(uid: str, day: date) -> str:
    """An all-day event as Google exports it (busy: TRANSP:OPAQUE)."""
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}@google.com\r\nDTSTAMP:20260501T120000Z\r\n"
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\nDTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"
        f"\r\nSUMMARY:Occupé\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n"
    )


def calendar_of(*events: str) -> bytes:
    return (HEADER + "".join(events) + "END:VCALENDAR\r\n").encode()


@pytest.fixture
async def host() -> AsyncIterator[IcsServer]:
    async with ics_server() as server:
        yield server


@pytest.fixture
def tg_options() -> dict[str, Any]:
    return {"settings": {"calendar_allowed_networks": ["127.0.0.1/32"]}}  # the loopback host


async def get(url: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, response.content_type, await response.read()


async def rest_of_the_form(tg: TelegramApp) -> None:
    """Salma's request, from the guests on, once her date is taken."""
    await tg.tap(SALMA, "gst:100")
    await tg.tap(SALMA, "city:rabat")
    await tg.say(SALMA, "Salle Les Orangers")
    await tg.say(SALMA, "Photos et vidéo")
    await tg.share(SALMA, "212612345678")
    await tg.tap(SALMA, "skip")
    await tg.tap(SALMA, "confirm")


def said(tg: TelegramApp, text: str) -> bool:
    return any(text in t for t in tg.texts(KARIM, bot="provider"))


async def test_imported_busy_days_are_not_booked_nor_accepted_and_bookings_are_exported(
    tg: TelegramApp, host: IcsServer
) -> None:
    host.bodies["karim.ics"] = calendar_of(all_day("wedding-fes", date(2026, 6, 14)))
    provider_id = tg.provider.provider_id

    # The provider connects his account, then his calendar.
    await tg.say(KARIM, "/start", bot="provider")
    await tg.share(KARIM, "212661234567", bot="provider")
    await tg.say(KARIM, "/calendar", bot="provider")
    assert said(
        tg,
        FR(
            "No calendar is connected. Connect your Google, Apple or Outlook calendar: the"
            " times it shows busy will not be offered to clients."
        ),
    )
    await tg.tap(KARIM, "url", bot="provider")
    await tg.say(KARIM, host.address("karim.ics"), bot="provider")
    read = FR(
        "Calendar read: {n} busy periods in the next {days} days. Clients will not be offered"
        " those times.",
        n=1,
        days=365,
    )
    assert said(tg, read)
    [busy] = await tg.rows(BusyInterval, BusyInterval.provider_id == provider_id)
    assert (busy.starts_at.isoformat(), busy.ends_at.isoformat()) == (
        "2026-06-13T23:00:00+00:00",  # 14 June, midnight in Casablanca (UTC+1)
        "2026-06-14T23:00:00+00:00",
    )
    assert (await tg.rows(CalendarImport))[0].url == host.address("karim.ics")

    # The client can't book the busy day; the next Saturday is free.
    await tg.say(SALMA, f"/start p-{tg.provider.slug}")
    await tg.tap(SALMA, f"book:{tg.provider.service_id}")
    await tg.tap(SALMA, "evt:wedding")
    await tg.say(SALMA, "14 juin")
    assert FR("The provider is busy at that time.") in (tg.last(SALMA).text or "")
    await tg.say(SALMA, "20 juin")
    await rest_of_the_form(tg)
    [booking] = await tg.rows(Booking)
    assert (booking.state, booking.event_date) == ("requested", date(2026, 6, 20))

    # Meanwhile the provider took the 20th in his own calendar: Accept reads it again.
    host.bodies["karim.ics"] = calendar_of(
        all_day("wedding-fes", date(2026, 6, 14)), all_day("family", date(2026, 6, 20))
    )
    await eventually(lambda: said(tg, FR(NEW_REQUEST)), what="the request on the provider bot")
    fetched = len(host.hits)
    await tg.tap(KARIM, f"pacc:{booking.id}", bot="provider")
    assert len(host.hits) == fetched + 1  # read again at the moment of accepting
    assert said(tg, FR(BUSY_ON_ACCEPT, ref=booking.reference))
    [booking] = await tg.rows(Booking)
    assert booking.state == "requested"  # refused: the client waits for another answer
    assert await tg.count(BusyInterval, BusyInterval.provider_id == provider_id) == 2

    # His bookings' feed: the address the bot shows, read back as a calendar.
    await tg.say(KARIM, "/calendar", bot="provider")
    [provider] = await tg.rows(Provider, Provider.id == provider_id)
    old_url = f"{tg.url}/calendar/{provider.calendar_token}.ics"
    assert old_url in (tg.last(KARIM, bot="provider").text or "")
    status, kind, body = await get(old_url)
    assert (status, kind) == (200, "text/calendar")
    feed = Calendar.from_ical(body)
    [event] = feed.walk("VEVENT")
    assert isinstance(event, Event)
    assert str(event["UID"]) == f"booking-{booking.id}@mounasabet"
    assert (event.start, event.end) == (date(2026, 6, 20), date(2026, 6, 21))
    assert (str(event["STATUS"]), booking.reference in str(event["SUMMARY"])) == (
        "TENTATIVE",
        True,
    )

    # A new address: the old one is gone, the new one serves the same feed.
    await tg.tap(KARIM, "rotate", bot="provider")
    await tg.tap(KARIM, "yes", bot="provider")
    [provider] = await tg.rows(Provider, Provider.id == provider_id)
    new_url = f"{tg.url}/calendar/{provider.calendar_token}.ics"
    assert new_url != old_url and new_url in "\n".join(tg.texts(KARIM, bot="provider")[-2:])
    assert (await get(old_url))[0] == 404
    status, _, again = await get(new_url)
    assert status == 200 and f"booking-{booking.id}@mounasabet".encode() in again
    assert (await get(f"{tg.url}/calendar/nobody.ics"))[0] == 404
    assert_wire_clean(tg.fake)


async def test_a_slow_calendar_host_holds_up_nobody_else(tg: TelegramApp, host: IcsServer) -> None:
    """Reading a provider's calendar waits for their calendar's host (up to the fetch's
    time limit, 15 s by default). It is read before the step's transaction, not in it:
    on SQLite a transaction holds the database's only write lock, and every other chat's
    writes waited for that host too. Connecting, "Refresh now" and Accept all read it."""
    slow = host.address("slow?seconds=3")  # an empty calendar, three seconds late
    await tg.say(KARIM, "/start", bot="provider")
    await tg.share(KARIM, "212661234567", bot="provider")
    await tg.say(KARIM, "/calendar", bot="provider")
    await tg.tap(KARIM, "url", bot="provider")

    async def others_meanwhile(provider_step: Awaitable[Delivery], n: int) -> float:
        """How long another chat's update takes while the provider's step waits for the
        host; the provider's step finishes after."""
        asked = len(host.hits)
        step = asyncio.ensure_future(provider_step)
        await eventually(lambda: len(host.hits) > asked, what="the calendar host asked")
        started = time.monotonic()
        await tg.say(FakeUser(id=2200 + n, first_name=f"Client {n}", language_code="fr"), "/start")
        took = time.monotonic() - started
        await step
        return took

    read = FR(
        "Calendar read: {n} busy periods in the next {days} days. Clients will not be offered"
        " those times.",
        n=0,
        days=365,
    )
    took = await others_meanwhile(tg.say(KARIM, slow, bot="provider"), 1)
    assert took < 1.5, f"a client waited {took:.1f} s for the provider's calendar host"
    assert said(tg, read)
    assert (await tg.rows(CalendarImport))[0].url == slow

    took = await others_meanwhile(tg.tap(KARIM, "refresh", bot="provider"), 2)
    assert took < 1.5, f"a client waited {took:.1f} s for the provider's calendar host"
    assert sum(read in t for t in tg.texts(KARIM, bot="provider")) == 2  # read again

    # A request, accepted while the host is slow: accepted (the calendar is empty).
    await tg.say(SALMA, f"/start p-{tg.provider.slug}")
    await tg.tap(SALMA, f"book:{tg.provider.service_id}")
    await tg.tap(SALMA, "evt:wedding")
    await tg.say(SALMA, "20 juin")
    await rest_of_the_form(tg)
    [booking] = await tg.rows(Booking)
    await eventually(lambda: said(tg, FR(NEW_REQUEST)), what="the request on the provider bot")
    took = await others_meanwhile(tg.tap(KARIM, f"pacc:{booking.id}", bot="provider"), 3)
    assert took < 1.5, f"a client waited {took:.1f} s for the provider's calendar host"
    [booking] = await tg.rows(Booking)
    assert booking.state == "accepted"

    assert_wire_clean(tg.fake)

    # Accept again (a late second tap, or a forged button): no request of his waits, so no
    # calendar is fetched for it; nor for a request that is not his. (The fake refuses the
    # answers to these made-up presses: it never issued their ids.)
    asked = len(host.hits)
    for n, booking_id in enumerate((booking.id, booking.id + 1000)):
        forged = {
            "id": f"forged-{n}",
            "from": KARIM.to_json(),
            "chat_instance": "1",
            "data": f"g|pacc:{booking_id}",
            "message": {
                "message_id": tg.last(KARIM, bot="provider").message_id,
                "date": 1_777_000_000,
                "chat": KARIM.chat_json(),
                "text": "…",
            },
        }
        delivered(await tg.fake.inject(TOKENS["provider"], {"callback_query": forged}))
    assert len(host.hits) == asked
    assert (await tg.rows(Booking))[0].state == "accepted"
