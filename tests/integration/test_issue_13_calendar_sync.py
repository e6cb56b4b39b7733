"""Issue 13: the provider's calendar through the dialog engine and the daily sweep, on
SQLite and PostgreSQL, with the real fetcher reading a calendar host on loopback.

An imported event over a booking the provider already said yes to raises one flag and
one message to the provider; a file we can't read is explained and nothing is kept; the
daily sweep reads every feed again and keeps the last good copy when one fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import pytest
from icalendar import Calendar, Event
from sqlalchemy import select

from bots.calendar_fetcher import AiohttpCalendarFetcher, FeedLimits
from core.booking.actors import Actor
from core.booking.request import RequestBooking, request_booking
from core.booking.states import Role
from core.calendar_sync.accept_check import busy_before_accept
from core.calendar_sync.export import FeedBooking, ProviderFeed
from core.calendar_sync.feed_address import allowed_networks
from core.calendar_sync.imports import connect_calendar, refresh_provider_calendar
from core.calendar_sync.ports import CalendarFeedError
from core.calendar_sync.prefetch import FetchedFeed, fetch_feed
from core.clock import FixedClock
from core.db.tables import Base, Booking, BusyInterval, CalendarImport, Flag, OutboxMessage
from core.scheduling.model import SweepConfig, SweepContext
from core.scheduling.registry import BY_ID
from core.scheduling.runs import run_sweep
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_engine
from dialogs.framework.context import Deps
from dialogs.i18n.translator import translator
from dialogs.nlu.builtin import BuiltinParser
from dialogs.notifications.render import PROVIDER_TEXT
from dialogs.provider.app import PROVIDER_APP
from dialogs.provider.calendar import BUSY_ON_ACCEPT
from tests.support.admin import paid_booking
from tests.support.bookings import request
from tests.support.chat import Chat, link_provider, news_for
from tests.support.factories import make_provider, make_user
from tests.support.ics_server import IcsServer, ics_server
from web.calendar_feed import feed_ics

T = TypeVar("T", bound=Base)
DATA = Path(__file__).parents[1] / "data" / "calendars"
FR = translator("fr")
FETCHER = AiohttpCalendarFetcher(FeedLimits(5.0, 3_000_000, 3, allowed_networks(["127.0.0.1/32"])))


def one_day(day: date) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//macOS 15.1//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{day}@icloud.com\r\nDTSTAMP:20260502T090000Z\r\n"
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\nDTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}\r\n"
        "SUMMARY:Tournage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.fixture
async def host() -> AsyncIterator[IcsServer]:
    async with ics_server() as server:
        yield server


async def provider_bot(uows: UnitOfWorkFactory, clock: FixedClock, owner: int) -> Chat:
    await link_provider(uows, owner, "p:cal", clock.now())
    deps = Deps(nlu=BuiltinParser(), public_url="https://mounasabet.test", calendars=FETCHER)
    return Chat(build_engine(PROVIDER_APP, uows, deps, clock), "p:cal", language="fr")


async def connected_bot(
    uows: UnitOfWorkFactory, clock: FixedClock, owner: int, address: str
) -> Chat:
    """The provider bot's chat of ``owner``, who connected the calendar at ``address``."""
    chat = await provider_bot(uows, clock, owner)
    await chat.send("/calendar")
    await chat.click("url")
    await chat.send(address)
    return chat


async def rows(uows: UnitOfWorkFactory, table: type[T], *where: Any) -> list[T]:
    async with uows() as uow:
        found = list((await uow.session.scalars(select(table).where(*where))).all())
        uow.session.expunge_all()
        return found


async def test_an_event_over_a_confirmed_booking_is_flagged_and_the_provider_told_once(
    uows: UnitOfWorkFactory, clock: FixedClock, host: IcsServer
) -> None:
    booking_id, owner, _ = await paid_booking(uows, clock.now(), slug="studio-cal", days=30)
    day = (clock.now() + timedelta(days=30)).date()
    host.bodies["cal.ics"] = one_day(day)
    chat = await provider_bot(uows, clock, owner)
    await chat.send("/calendar")
    await chat.click("url")
    await chat.send(host.address("cal.ics"))
    [flag] = await rows(uows, Flag, Flag.kind == "calendar_conflict")
    assert (flag.subject_type, flag.subject_id) == ("booking", str(booking_id))
    [booking] = await rows(uows, Booking, Booking.id == booking_id)
    ref = booking.reference
    assert flag.details["reference"] == ref
    warned = FR(
        "Your calendar has events at the same time as these bookings: {refs}. Our team has"
        " been told.",
        refs=ref,
    )
    assert warned in chat.text
    [news] = await news_for(uows, "calendar_conflict", owner)
    assert news.text == FR(PROVIDER_TEXT["calendar_conflict"], ref=ref)

    await chat.click("refresh")  # the same clash read again: no second flag or message
    assert warned in chat.text
    assert len(await rows(uows, Flag, Flag.kind == "calendar_conflict")) == 1
    assert len(await rows(uows, OutboxMessage, OutboxMessage.kind == "calendar_conflict")) == 1


async def test_a_file_we_cannot_read_is_explained_and_nothing_is_kept(
    uows: UnitOfWorkFactory, clock: FixedClock, host: IcsServer
) -> None:
    _, owner, _ = await paid_booking(uows, clock.now(), slug="studio-bad")
    host.bodies["bad.ics"] = (DATA / "malformed.ics").read_bytes()
    chat = await provider_bot(uows, clock, owner)
    await chat.send("/calendar")
    await chat.click("url")
    await chat.send(host.address("bad.ics"))
    assert (
        FR(
            "This address does not give a calendar file we can read. Use the address in iCal"
            " format (it usually ends with .ics)."
        )
        in chat.text
    )
    assert await chat.position() == "pcal:url"  # asked again
    assert await rows(uows, CalendarImport) == []
    await chat.send("https://user:pw@example.com/cal.ics")
    assert (
        FR(
            "This is not a calendar address. Paste the full address, starting with https:// (or"
            " webcal://)."
        )
        in chat.text
    )
    assert host.hits == ["/bad.ics"]  # the second address was never fetched


async def test_the_daily_sweep_reads_feeds_again_and_keeps_the_last_good_copy(
    uows: UnitOfWorkFactory, clock: FixedClock, host: IcsServer
) -> None:
    _, owner, _ = await paid_booking(uows, clock.now(), slug="studio-sweep")
    host.bodies["cal.ics"] = (DATA / "allday_multiday.ics").read_bytes()
    chat = await provider_bot(uows, clock, owner)
    await chat.send("/calendar")
    await chat.click("url")
    await chat.send(host.address("cal.ics"))
    assert len(await rows(uows, BusyInterval)) == 5

    async def run() -> dict[str, int]:
        ctx = SweepContext(uows, clock.now(), config=SweepConfig(), calendars=FETCHER)
        outcome = await run_sweep(BY_ID["calendar-refresh"], ctx, holder="test")
        assert outcome.error is None, outcome.error
        return outcome.counts

    host.bodies["cal.ics"] = (DATA / "recurrence_override.ics").read_bytes()
    assert await run() == {"refreshed": 1, "failed": 0, "conflicts": 0, "told": 0}
    starts = [b.starts_at for b in await rows(uows, BusyInterval)]
    assert sorted(starts) == [
        datetime(2026, 9, 1, 9, tzinfo=UTC),
        datetime(2026, 9, 2, 15, tzinfo=UTC),
    ]

    del host.bodies["cal.ics"]  # the host now answers 404
    assert await run() == {"refreshed": 0, "failed": 1, "conflicts": 0, "told": 0}
    assert len(await rows(uows, BusyInterval)) == 2  # the last good copy stays
    [connected] = await rows(uows, CalendarImport)
    assert connected.last_error == "calendar_http_status"
    await chat.send("/calendar")
    assert FR("The last automatic refresh failed:") in chat.text

    await chat.click("drop")
    assert await rows(uows, BusyInterval) == [] and await rows(uows, CalendarImport) == []


async def test_a_failing_feed_is_tried_with_backoff_and_told_after_a_day(
    uows: UnitOfWorkFactory, clock: FixedClock, host: IcsServer
) -> None:
    """Every 30 minutes while it works; after failures, less and less often; after a day of
    failures, its provider is told once, in their language; a feed that recovers is fine."""
    _, owner, _ = await paid_booking(uows, clock.now(), slug="studio-backoff")
    host.bodies["cal.ics"] = (DATA / "allday_multiday.ics").read_bytes()
    chat = await provider_bot(uows, clock, owner)
    await chat.send("/calendar")
    await chat.click("url")
    await chat.send(host.address("cal.ics"))
    del host.bodies["cal.ics"]  # from now on the host answers 404

    tries, told = [], 0
    start = clock.now()
    for _ in range(2 * 30):  # the sweep every 30 minutes, for 30 hours
        clock.advance(timedelta(minutes=30))
        ctx = SweepContext(uows, clock.now(), config=SweepConfig(), calendars=FETCHER)
        outcome = await run_sweep(BY_ID["calendar-refresh"], ctx, holder="test")
        if outcome.counts["failed"]:
            tries.append((clock.now() - start) / timedelta(hours=1))
        told += outcome.counts["told"]
    assert tries[:5] == [0.5, 1.0, 2.0, 4.0, 8.0], tries
    assert all(b - a <= 6 for a, b in pairwise(tries))  # at most 6 h apart
    assert told == 1
    assert len(await rows(uows, OutboxMessage, OutboxMessage.kind == "calendar_failing")) == 1
    [reply] = await news_for(uows, "calendar_failing", owner)
    assert FR.date(start.date()) in reply.text and "/calendar" in reply.text
    assert FR("The calendar's server refused to send it (error {status}).", status=404) not in (
        reply.text
    )  # the reason that needs a status the sweep did not keep reads as the general one

    host.bodies["cal.ics"] = (DATA / "allday_multiday.ics").read_bytes()  # fixed
    clock.advance(timedelta(hours=6))
    ctx = SweepContext(uows, clock.now(), config=SweepConfig(), calendars=FETCHER)
    outcome = await run_sweep(BY_ID["calendar-refresh"], ctx, holder="test")
    assert outcome.counts["refreshed"] == 1
    assert await news_for(uows, "calendar_failing", owner) == []  # a late send says nothing


def test_the_feed_gives_timed_bookings_in_casablanca_time_with_its_zone() -> None:
    starts = datetime(2026, 6, 20, 19, tzinfo=UTC)  # 20:00 in Casablanca
    booking = FeedBooking(
        7,
        "MS-7",
        "confirmed",
        "birthday",
        {"fr": "Soirée DJ", "en": "DJ night"},
        False,
        starts.date(),
        1,
        starts,
        starts + timedelta(hours=4),
        "casablanca",
        "Villa Zaitoun",
        80,
        starts - timedelta(days=3),
    )
    feed = ProviderFeed(3, {"fr": "DJ Nights"}, "fr", "Africa/Casablanca", (booking,))
    text = feed_ics(feed, FR, now=datetime(2026, 5, 4, 9, tzinfo=UTC))
    assert b"DTSTART;TZID=Africa/Casablanca:20260620T200000" in text
    calendar = Calendar.from_ical(text)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Africa/Casablanca"
    [event] = calendar.walk("VEVENT")
    assert isinstance(event, Event)
    assert (str(event["UID"]), str(event["STATUS"])) == ("booking-7@mounasabet", "CONFIRMED")
    start, end = event.start, event.end
    assert isinstance(start, datetime) and isinstance(end, datetime)
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (starts, starts + timedelta(hours=4))
    assert "Villa Zaitoun" in str(event["LOCATION"]) and "MS-7" in str(event["SUMMARY"])


async def test_strangers_and_other_providers_reach_no_calendar(
    uows: UnitOfWorkFactory, clock: FixedClock, host: IcsServer
) -> None:
    booking_id, owner, _ = await paid_booking(uows, clock.now(), slug="studio-own", days=40)
    host.bodies["own.ics"] = one_day(date(2026, 8, 1))
    await connected_bot(uows, clock, owner, host.address("own.ics"))
    fetched = len(host.hits)

    stranger_id = await make_user(uows, clock.now(), name="Stranger")
    await link_provider(uows, stranger_id, "p:stranger", clock.now())
    deps = Deps(nlu=BuiltinParser(), calendars=FETCHER)
    stranger = Chat(build_engine(PROVIDER_APP, uows, deps, clock), "p:stranger", language="en")
    await stranger.send("/calendar")
    assert stranger.text == FR("This bot is for Mounasabet providers.")
    await stranger.click("home")
    assert await stranger.position() == "phome:home"
    # A forged Accept on someone else's booking: refused, and their calendar is not read.
    await stranger.press(f"g|pacc:{booking_id}")
    assert FR("This booking is not yours.") in stranger.text
    assert len(host.hits) == fetched


async def test_a_feed_is_kept_only_as_fetched_for_the_address_connected_now(
    uows: UnitOfWorkFactory, clock: FixedClock, host: IcsServer
) -> None:
    """Feeds are fetched before the step's transaction (core/calendar_sync/prefetch.py); the
    step checks what it got against the address connected when the transaction reads it.
    Fetched for another address (changed meanwhile), or not at all: "Refresh now" asks again
    and Accept goes by the busy time read last. Nothing is fetched inside the transaction."""
    owner, provider_id, service_id = await make_provider(uows, clock.now(), slug="studio-later")
    client = await make_user(uows, clock.now(), name="Client")
    day = (clock.now() + timedelta(days=20)).date()
    host.bodies["now.ics"] = one_day(day)
    now_url, old_url = host.address("now.ics"), host.address("old.ics")
    async with uows() as uow:
        fetched = await fetch_feed(FETCHER, now_url)
        await connect_calendar(uow, provider_id, fetched, now=clock.now())
        ask = RequestBooking(client, service_id, "wedding", day + timedelta(days=1), city="rabat")
        booking = await request_booking(uow, ask, now=clock.now())
        await uow.commit()
    busy_before = await rows(uows, BusyInterval, BusyInterval.provider_id == provider_id)
    asked = len(host.hits)

    for stale in (None, FetchedFeed(old_url, one_day(day + timedelta(days=1)))):
        async with uows() as uow:
            with pytest.raises(CalendarFeedError) as refused:
                await refresh_provider_calendar(uow, provider_id, stale, now=clock.now())
            assert refused.value.key == "calendar_not_fetched"
            # The request's day is free in the busy time read last; the old address's
            # feed (busy that day) is not stored over it.
            actor = Actor(Role.PROVIDER, owner)
            assert not await busy_before_accept(uow, stale, booking.id, actor, now=clock.now())
            await uow.commit()
    failing = FetchedFeed(now_url, error=CalendarFeedError("calendar_fetch_timeout"))
    async with uows() as uow:
        with pytest.raises(CalendarFeedError) as refused:
            await refresh_provider_calendar(uow, provider_id, failing, now=clock.now())
        assert refused.value.key == "calendar_fetch_timeout"
    assert len(host.hits) == asked  # none of this fetched anything
    busy_after = await rows(uows, BusyInterval, BusyInterval.provider_id == provider_id)
    assert [(b.starts_at, b.ends_at) for b in busy_after] == [
        (b.starts_at, b.ends_at) for b in busy_before
    ]


class BrokenFetcher:
    """A fetcher with a bug: it raises what no fetcher should."""

    async def fetch(self, url: str) -> bytes:
        raise RuntimeError("a bug in the fetcher")


async def test_a_fetch_that_breaks_is_logged_and_the_provider_asked_to_try_again(
    uows: UnitOfWorkFactory, clock: FixedClock, host: IcsServer, caplog: pytest.LogCaptureFixture
) -> None:
    _, owner, _ = await paid_booking(uows, clock.now(), slug="studio-broken", days=30)
    host.bodies["mine.ics"] = one_day(date(2026, 8, 1))
    await connected_bot(uows, clock, owner, host.address("mine.ics"))
    [before] = await rows(uows, CalendarImport)

    deps = Deps(nlu=BuiltinParser(), calendars=BrokenFetcher())
    broken = Chat(build_engine(PROVIDER_APP, uows, deps, clock), "p:cal", language="fr")
    await broken.send("/calendar")
    await broken.click("refresh")
    assert FR("Your calendar was not read this time. Please try again.") in broken.text
    assert "fetch before the step at pcal:menu failed" in caplog.text
    [after] = await rows(uows, CalendarImport)
    assert (after.refreshed_at, after.busy_count) == (before.refreshed_at, before.busy_count)


async def test_after_a_restart_accept_still_reads_the_calendar_first(
    uows: UnitOfWorkFactory, clock: FixedClock, host: IcsServer
) -> None:
    """A process that does not remember the chat (restarted, or it forgot it) reads where
    the chat stands before the Accept's transaction, and fetches the feed then."""
    owner, _, service = await make_provider(uows, clock.now(), slug="studio-restart")
    client = await make_user(uows, clock.now(), name="Client")
    day = (clock.now() + timedelta(days=25)).date()
    booking_id = await request(uows, clock.now(), client, service, day)
    host.bodies["mine.ics"] = one_day(day + timedelta(days=3))
    await connected_bot(uows, clock, owner, host.address("mine.ics"))
    host.bodies["mine.ics"] = one_day(day)  # since then, the request's day is busy
    asked = len(host.hits)

    deps = Deps(nlu=BuiltinParser(), calendars=FETCHER)
    restarted = Chat(build_engine(PROVIDER_APP, uows, deps, clock), "p:cal", language="fr")
    await restarted.press(f"g|pacc:{booking_id}")
    assert len(host.hits) == asked + 1  # read again, before the transaction
    [booking] = await rows(uows, Booking, Booking.id == booking_id)
    assert booking.state == "requested"  # busy that day: refused, and told why
    assert FR(BUSY_ON_ACCEPT, ref=booking.reference) in restarted.text
