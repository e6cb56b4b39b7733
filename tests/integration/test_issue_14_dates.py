"""Issue 14, "Finding a date that works" (items 8-11), through the dialog engine.

8: a full provider is not offered for the client's date, and a date found full at Book
   is asked again with the service's next free dates as buttons;
9: a service priced by the hour asks how long, the summary shows the arithmetic, the
   duration and the end time, and lists say "per hour" / "per guest";
10: free text that names the occasion, the date and the guests fills the form;
11: "4pm", "16h30", "الساعة 4 عشية", "m3a l3echia" are times; "31 février" and "hier"
   get an answer that says what is wrong with them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from pathlib import Path

import aiohttp
import pytest

from core.catalog.vocabulary import MARKET_TZ
from core.clock import FixedClock
from core.db.tables import Provider
from core.uow import UnitOfWorkFactory
from demo.catalogue import catalogue
from dialogs.i18n.translator import translator
from dialogs.nlu.styles import BAND_STYLES
from tests.integration.test_site_pages import serve
from tests.support.bookings import request
from tests.support.chat import (
    Chat,
    bookings,
    client_chat,
    link_provider,
    news_for,
    sqlite_uows,
    user_of,
)
from tests.support.factories import make_provider, make_user
from tests.support.search_data import ServiceSpec, add_provider
from web.links import Channels

EN = translator("en")
DAY = date(2026, 6, 14)  # a Sunday, six weeks after the test clock's 4 May 2026
FULL = EN("Sorry, this date is fully booked. Please choose another one.")
OCCASION = EN("What is the occasion?")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "dates.db") as uows:
        yield uows


async def someone_books(db: UnitOfWorkFactory, clock: FixedClock, service_id: int) -> None:
    other = await make_user(db, clock.now(), name="another client")
    await request(db, clock.now(), other, service_id, DAY)


# --- Item 8: full days ------------------------------------------------------------------


# On SQLite and PostgreSQL (the ``uows`` fixture): the search is one SQL statement.
async def test_search_hides_a_one_team_provider_whose_other_service_holds_the_day(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    # Two packages, one team: a wedding booked on one package leaves the other no time.
    built = await add_provider(
        uows,
        clock.now(),
        "one-team",
        services=[ServiceSpec(price_minor=300_000), ServiceSpec(price_minor=900_000)],
    )
    await add_provider(uows, clock.now(), "still-free")
    await someone_books(uows, clock, built.service_ids[0])
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.send("photographer in Rabat on 14 June")
    assert await chat.position() == "discover:results"
    assert "still-free" in chat.text
    assert "one-team" not in chat.text  # was listed "from 9 000 MAD", then "fully booked"


async def test_a_date_found_full_at_book_is_asked_again_with_free_dates(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, provider, service = await make_provider(db, clock.now())
    chat = client_chat(db, clock)
    await chat.send("/start")
    await chat.send("photographer in Rabat on 14 June")
    await chat.click(f"open:{provider}")
    await someone_books(db, clock, service)  # taken while the client reads the profile

    await chat.click(f"book:{service}")
    assert FULL in chat.text
    assert OCCASION not in chat.text  # was: "fully booked", then "What is the occasion?"
    assert await chat.position() == "book:date"
    offered = [code for code in chat.buttons() if code.startswith("day:")]
    assert offered and f"day:{DAY.isoformat()}" not in offered
    assert all(date.fromisoformat(code[4:]) > clock.now().date() for code in offered)

    await chat.click(offered[0])
    assert await chat.position() == "book:event_type"
    assert (await chat.state()).data["day"] == offered[0][4:]


# --- Item 9: hours and prices -----------------------------------------------------------


async def hourly_dj(db: UnitOfWorkFactory, clock: FixedClock) -> tuple[int, int]:
    """A DJ at 1 200 MAD per hour, 2 hours at least, playing from 14:00 to 02:00."""
    owner, provider, service = await make_provider(
        db,
        clock.now(),
        slug="pool-party",
        category="dj",
        city="casablanca",
        duration_minutes=120,
        pricing_model="per_hour",
        price_minor=120_000,
        hours=(time(14), time(2)),
    )
    await link_provider(db, owner, f"p:{owner}", clock.now())  # their bot gets the news
    return provider, service


async def owner_of(db: UnitOfWorkFactory, provider_id: int) -> int:
    async with db() as uow:
        provider = await uow.session.get(Provider, provider_id)
        assert provider is not None
        return provider.user_id


async def at_time_step(chat: Chat, service: int) -> None:
    await chat.send("/start p-pool-party")
    await chat.click(f"book:{service}")
    await chat.click("evt:birthday")
    await chat.send("14 June")
    assert await chat.position() == "book:time"


async def chat_at_time_step(
    db: UnitOfWorkFactory, clock: FixedClock, service: int, key: str = "c:1"
) -> Chat:
    """A client chat that has chosen the hourly DJ's service up to "what time?"."""
    chat = client_chat(db, clock, key=key)
    await at_time_step(chat, service)
    return chat


async def add_per_guest_caterer(db: UnitOfWorkFactory, clock: FixedClock, slug: str) -> None:
    """A caterer in Casablanca at 300 MAD per guest, listed beside the hourly DJ."""
    await add_provider(
        db,
        clock.now(),
        slug,
        services=[ServiceSpec(category="caterer", pricing_model="per_guest", price_minor=30_000)],
        cities=("casablanca",),
    )


async def at_booking_form(
    db: UnitOfWorkFactory, clock: FixedClock, *, language: str | None = "en"
) -> Chat:
    """The factories' studio, its deep link opened and Book pressed: the form's first step."""
    _, _, service = await make_provider(db, clock.now())
    chat = client_chat(db, clock, language=language)
    await chat.send("/start p-studio-atlas")
    await chat.click(f"book:{service}")
    return chat


async def test_an_hourly_price_asks_how_long_and_shows_the_arithmetic(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, service = await hourly_dj(db, clock)
    chat = await chat_at_time_step(db, clock, service)
    await chat.click("tm:2000")
    assert await chat.position() == "book:hours"  # was: straight to the guests, 2 h assumed
    await chat.send("1 h")
    shortest = EN(
        "This service is booked for at least {min_hours} h and at most {max_hours} h.",
        min_hours=2,
        max_hours=24,
    )
    assert shortest in chat.text
    assert await chat.position() == "book:hours"
    await chat.send("3")
    assert await chat.position() == "book:guests"
    await chat.play(
        [
            ("click", "gst:100"),
            ("click", "city:casablanca"),
            ("send", "Villa"),
            ("click", "skip"),
            ("send", "0612345678"),
        ]
    )
    await chat.click("skip")
    assert await chat.position() == "book:summary"
    arithmetic = EN(
        "{quantity} × {unit} = {total}",
        quantity=EN("{n} h", n="3"),
        unit=EN.money(120_000),
        total=EN.money(360_000),
    )
    assert arithmetic in chat.text
    assert EN("until {time}", time="23:00") in chat.text
    await chat.click("confirm")
    [booking] = await bookings(db)
    assert booking.total_minor == 360_000
    assert booking.ends_at - booking.starts_at == timedelta(hours=3)
    # The provider's request says until when, too.
    [card] = await news_for(db, "booking_requested", await owner_of(db, booking.provider_id))
    fr = translator("fr")  # the provider's language
    assert fr("until {time}", time=fr.time(booking.ends_at.astimezone(MARKET_TZ))) in card.text


async def test_a_price_per_guest_shows_its_multiplication(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, service = await make_provider(
        db,
        clock.now(),
        slug="traiteur",
        category="caterer",
        pricing_model="per_guest",
        price_minor=30_000,
    )
    chat = client_chat(db, clock)
    await chat.send("/start p-traiteur")
    await chat.click(f"book:{service}")
    await chat.click("evt:wedding")
    await chat.send("14 June")
    assert await chat.position() == "book:guests"
    assert "skip" not in chat.buttons()  # the price depends on the count: it is asked
    await chat.play(
        [
            ("send", "150"),
            ("click", "city:rabat"),
            ("send", "Villa"),
            ("click", "skip"),
            ("send", "0612345678"),
            ("click", "skip"),
        ]
    )
    assert await chat.position() == "book:summary"
    arithmetic = EN(
        "{quantity} × {unit} = {total}",
        quantity=EN("{n} guests", n="150"),
        unit=EN.money(30_000),
        total=EN.money(4_500_000),
    )
    assert arithmetic in chat.text


async def test_an_end_time_or_a_span_gives_the_length(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, service = await hourly_dj(db, clock)
    chat = await chat_at_time_step(db, clock, service)
    await chat.send("16h-20h")  # start and end at once: the length is not asked
    assert await chat.position() == "book:guests"
    data = (await chat.state()).data
    assert (data["start"], data["minutes"]) == ("16:00", 240)

    other = await chat_at_time_step(db, clock, service, key="c:2")
    await other.send("22h")
    await other.send("jusqu'à 1h")  # past midnight
    data = (await other.state()).data
    assert (data["start"], data["minutes"]) == ("22:00", 180)

    # In Arabic or Darija, bare hours past noon (normalized "حتى" was never read before);
    # at "how long?", a span sets the start again with the end.
    for key, at_start, at_hours, expected in (
        ("c:3", "من 21 حتى 2", None, ("21:00", 300)),
        ("c:4", "21h", "من 22 حتى 1", ("22:00", 180)),
        ("c:5", "16h", "mn 16 hta 20", ("16:00", 240)),
        # each hour with its own part of the day, tied by "ديال" / "d"
        ("c:6", "من 5 ديال العشية حتى 8 ديال الليل", None, ("17:00", 180)),
        ("c:7", "17h", "من 5 ديال العشية حتى 9 ديال الليل", ("17:00", 240)),
        ("c:8", "mn 6 d l3echia l 10 d lil", None, ("18:00", 240)),
        ("c:9", "from 2 pm to 6 pm", None, ("14:00", 240)),
        ("c:10", "de 3h de l'après-midi à 7h du soir", None, ("15:00", 240)),
    ):
        chat = await chat_at_time_step(db, clock, service, key=key)
        await chat.send(at_start)
        if at_hours is not None:
            assert await chat.position() == "book:hours"
            await chat.send(at_hours)
        data = (await chat.state()).data
        assert (data["start"], data["minutes"]) == expected, key
        assert await chat.position() == "book:guests", key


async def test_lists_price_by_the_hour_and_by_the_guest(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await hourly_dj(db, clock)
    await add_per_guest_caterer(db, clock, "traiteur-fes")
    chat = client_chat(db, clock)
    await chat.send("/start")
    await chat.send("DJ in Casablanca")
    assert await chat.position() == "discover:results"
    assert EN("from {price}/h", price=EN.money(120_000)) in chat.text  # was "from 2 400"
    await chat.send("caterer in Casablanca")
    assert EN("from {price} per guest", price=EN.money(30_000)) in chat.text  # was × 100
    await chat.click("flt:guests")
    await chat.click("gst:200")
    assert EN("from {price}", price=EN.money(6_000_000)) in chat.text


# --- Item 10: what the client already said ----------------------------------------------


async def test_free_text_fills_the_occasion_the_date_and_the_guests(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, provider, service = await make_provider(db, clock.now())
    chat = client_chat(db, clock, language="fr")
    await chat.send("/start")
    await chat.send("Photographe pour mon mariage le 12 juin, 150 invités")
    await chat.click("city:rabat")
    await chat.click(f"open:{provider}")
    await chat.click(f"book:{service}")
    data = (await chat.state()).data
    assert (data["event_type"], data["day"], data["guests"]) == ("wedding", "2026-06-12", 150)
    assert await chat.position() == "book:venue"  # no occasion, date or guests asked


async def test_the_occasion_answer_can_carry_the_date_and_guests(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = await at_booking_form(db, clock, language="fr")
    assert await chat.position() == "book:event_type"
    await chat.send("notre mariage le 12 juin, environ 150 invités")
    data = (await chat.state()).data
    assert (data["event_type"], data["day"], data["guests"]) == ("wedding", "2026-06-12", 150)
    assert await chat.position() == "book:city"


# --- Item 11: times and impossible dates ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "start"),
    [
        ("4pm", "16:00"),
        ("8 pm", "20:00"),
        ("16h30", "16:30"),
        ("الساعة 4 عشية", "16:00"),
        ("m3a l3echia", "16:00"),
        ("m3a 6 d l3echia", "18:00"),
    ],
)
async def test_times_as_people_write_them(
    db: UnitOfWorkFactory, clock: FixedClock, typed: str, start: str
) -> None:
    _, service = await hourly_dj(db, clock)
    chat = await chat_at_time_step(db, clock, service)
    await chat.send(typed)
    assert await chat.position() == "book:hours"
    assert (await chat.state()).data["start"] == start


@pytest.mark.parametrize("flow", ["book", "discover"])
async def test_impossible_and_past_dates_are_answered_for_what_they_are(
    db: UnitOfWorkFactory, clock: FixedClock, flow: str
) -> None:
    _, _, service = await make_provider(db, clock.now())
    chat = client_chat(db, clock, language="fr")
    fr = translator("fr")
    await chat.send("/start")
    if flow == "book":
        await chat.send("/start p-studio-atlas")
        await chat.click(f"book:{service}")
        await chat.click("evt:wedding")
    else:
        await chat.play([("click", "m:find"), ("click", "cat:photographer")])
        await chat.click("city:rabat")
    position = await chat.position()
    assert position == f"{flow}:date"
    await chat.send("31 février")
    assert (
        fr(
            "This date does not exist: that month has fewer days. Please check the day and "
            "the month."
        )
        in chat.text
    )
    await chat.send("hier")
    assert fr("This date is in the past. Please choose a future date.") in chat.text
    assert await chat.position() == position
    await chat.send("14 juin")
    assert await chat.position() != position
    assert (await user_of(chat)).locale == "fr"


# --- Polish: kinds of band ----------------------------------------------------------------


async def test_dakka_marrakchia_is_not_any_band(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    def band(style: str) -> ServiceSpec:
        return ServiceSpec(category="band", style=style)

    for slug, style in (("andalou-al-fassi", "andalou"), ("al-bahja", "dakka")):
        await add_provider(uows, clock.now(), slug, services=[band(style)], cities=("rabat",))
    chat = client_chat(uows, clock, language="fr")
    await chat.send("/start")
    await chat.send("dakka marrakchia à Rabat")
    assert await chat.position() == "discover:results"
    assert "al-bahja" in chat.text
    assert "andalou-al-fassi" not in chat.text  # was listed: any band matched
    await chat.send("musique andalouse à Rabat")
    assert "andalou-al-fassi" in chat.text
    assert "al-bahja" not in chat.text
    await chat.send("orchestre à Rabat")  # no kind named: every band
    assert "andalou-al-fassi" in chat.text and "al-bahja" in chat.text


def test_the_demo_bands_carry_their_kind() -> None:
    services = {
        spec.slug: {s.style for s in spec.services if s.category == "band"}
        for spec in catalogue().providers
    }
    assert services["ensemble-andalou-al-fassi"] == {"andalou"}
    assert services["dakka-marrakchia-al-bahja"] == {"dakka", "issawa"}
    assert services["orchestre-nass-el-fen"] == {"chaabi"}
    # Every kind the demo uses is one the NLU knows by name.
    assert set().union(*services.values()) <= set(BAND_STYLES)


async def test_the_sites_cards_price_by_the_hour_and_by_the_guest(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await hourly_dj(db, clock)
    await add_per_guest_caterer(db, clock, "traiteur-casa")
    server = await serve(db, clock, Channels(telegram_username="MsbBot"))
    try:
        url = f"{server.make_url('/en/providers')}?city=casablanca"
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            html = await resp.text()
    finally:
        await server.close()
    page = html.replace("\u202f", " ").replace("\xa0", " ")
    dj = EN("From {amount} per hour", amount=EN.money(120_000))
    caterer = EN("From {amount} per guest", amount=EN.money(30_000))
    assert dj.replace("\xa0", " ") in page  # was "From MAD2,400.00": 2 h assumed
    assert caterer.replace("\xa0", " ") in page  # was "From MAD30,000.00": 100 guests


async def test_a_forged_free_date_button_is_refused(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = await at_booking_form(db, clock)
    await chat.click("evt:wedding")
    screen = chat.payload("nav:back").partition("|")[0]
    for forged in ("day:2026-02-31", "day:0000-01-01", "day:x", "day:2026-05-03"):
        await chat.press(f"{screen}|{forged}")
        assert await chat.position() == "book:date"
        assert "day" not in (await chat.state()).data


async def test_a_past_date_in_free_text_is_said_to_be_past(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await make_provider(db, clock.now())
    chat = client_chat(db, clock, language="fr")
    await chat.send("/start")
    await chat.send("photographe à Rabat hier")  # was silently a search of every date
    fr = translator("fr")
    assert fr("This date is in the past. Please choose a future date.") in chat.text
    assert await chat.position() == "discover:date"
