"""Issue 12, items 7 and 8: a guest count is one whole number within the service's range,
never a guess; an event date lies within the booking horizon, and no date input (typed,
free text, a search carried into the form) ends in "something went wrong"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from core.booking.availability import MAX_DAYS_AHEAD
from core.clock import FixedClock
from core.db.tables import Service
from core.errors import SlotUnavailable
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_engine
from dialogs.client.app import CLIENT_APP
from dialogs.framework.context import Deps
from dialogs.i18n.translator import translator
from dialogs.nlu.builtin import BuiltinParser
from tests.support.bookings import request
from tests.support.chat import (
    Chat,
    Market,
    bookings,
    client_chat,
    journeys,
    open_market,
    sqlite_uows,
    user_of,
)

EN = translator("en")
ONE_NUMBER = EN("Please type the number of guests as one whole number, for example 150.")
A_RANGE = EN("Please give one number of guests, not a range: for example 250.")
TOO_FAR = EN(
    "This date is too far ahead: bookings open at most {max_days} days in advance. Please"
    " choose an earlier date.",
    max_days=MAX_DAYS_AHEAD,
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "guests.db") as uows:
        yield uows


def forged(chat: Chat, code: str) -> str:
    """``code`` on the current screen, as a forged callback would carry it."""
    return chat.payload("nav:back").partition("|")[0] + "|" + code


async def at_guests(chat: Chat, market: Market) -> None:
    """The hourly DJ's form, answered up to the guest count."""
    await chat.send("/start")
    await chat.play(journeys(market)["book"][:6])
    assert await chat.position() == "book:guests"


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("-5", ONE_NUMBER),  # was read as 5
        ("10^9", ONE_NUMBER),  # was 109
        ("1e9", ONE_NUMBER),  # was 19
        ("10²", ONE_NUMBER),  # "²" folds to "2": was 102
        ("12.5", ONE_NUMBER),
        ("2-3", A_RANGE),  # was 23
        ("200 à 300", A_RANGE),
        ("entre 200 et 300 personnes", A_RANGE),
        # Typed in Arabic: answered in Arabic (issue 14).
        ("بين 200 و 300", translator("ar")(A_RANGE)),
        ("0", EN("Please give a number of guests between 1 and {max}.", max=10_000)),
        ("20000", EN("Please give a number of guests between 1 and {max}.", max=10_000)),
    ],
)
async def test_a_guest_answer_that_is_not_one_count_is_refused_with_why(
    db: UnitOfWorkFactory, clock: FixedClock, typed: str, answer: str
) -> None:
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await at_guests(chat, market)
    await chat.send(typed)
    assert await chat.position() == "book:guests"
    assert answer in chat.text
    assert "guests" not in (await chat.state()).data


async def test_a_forged_negative_guest_button_is_refused(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await at_guests(chat, market)
    await chat.press(forged(chat, "gst:-5"))  # was stored as 5
    assert await chat.position() == "book:guests"
    assert EN("Please choose a number of guests.") in chat.text
    await chat.press(forged(chat, "gst:٥"))
    assert await chat.position() == "book:guests"


@pytest.mark.parametrize(
    ("typed", "count"),
    [("٢٠٠", 200), ("200 personnes", 200), ("environ 150 invités", 150), ("1 200", 1200)],
)
async def test_counts_in_words_and_arabic_digits_still_work(
    db: UnitOfWorkFactory, clock: FixedClock, typed: str, count: int
) -> None:
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await at_guests(chat, market)
    await chat.send(typed)
    assert await chat.position() == "book:city"
    assert (await chat.state()).data["guests"] == count


async def test_the_services_own_range_bounds_the_count(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(db, clock.now())
    async with db() as uow:
        await uow.session.execute(
            update(Service)
            .where(Service.id == market.dj_service)
            .values(min_guests=20, max_guests=80)
        )
        await uow.commit()
    chat = client_chat(db, clock)
    await at_guests(chat, market)
    await chat.click("gst:100")
    assert EN("This service takes at most {max} guests.", max=80) in chat.text
    await chat.send("10 personnes")
    assert EN("This service needs at least {min} guests.", min=20) in chat.text
    assert await chat.position() == "book:guests"
    await chat.send("80")
    assert await chat.position() == "book:city"


async def test_search_counts_read_the_same_way(db: UnitOfWorkFactory, clock: FixedClock) -> None:
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await chat.send("/start")
    await chat.play(journeys(market)["discover"][:7])
    assert await chat.position() == "discover:guests"
    await chat.send("2-3")
    assert A_RANGE in chat.text
    await chat.press(forged(chat, "gst:-5"))
    assert await chat.position() == "discover:guests"
    await chat.send("٣٠٠ ضيف")
    assert await chat.position() == "discover:results"
    assert (await chat.state()).data["guests"] == 300


# --- Item 8: the booking horizon ---------------------------------------------------------


@pytest.mark.parametrize("typed", ["31/12/9999", "14/06/2126", "14 juin 2029"])
async def test_a_date_past_the_horizon_is_refused_in_the_form(
    db: UnitOfWorkFactory, clock: FixedClock, typed: str
) -> None:
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await chat.send("/start")
    await chat.play(journeys(market)["book"][:3])
    assert await chat.position() == "book:date"
    await chat.send(typed)  # "31/12/9999" was an OverflowError: "something went wrong"
    assert await chat.position() == "book:date"
    assert TOO_FAR in chat.text
    await chat.send("20 June")
    assert await chat.position() == "book:time"


async def test_a_far_date_in_a_search_or_free_text_is_refused(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await chat.send("/start")
    await chat.send("photographer in Rabat on 31/12/9999")
    assert TOO_FAR in chat.text
    assert await chat.position() == "discover:date"
    await chat.send("31/12/9999")
    assert TOO_FAR in chat.text
    assert await chat.position() == "discover:date"
    await chat.send("14 June")
    assert await chat.position() == "discover:results"


async def test_the_horizon_is_a_setting_and_core_has_the_last_word(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(db, clock.now())
    today = clock.now().date()
    deps = Deps(nlu=BuiltinParser(), max_days_ahead=30)
    chat = Chat(build_engine(CLIENT_APP, db, deps, clock), "c:1", language="en")
    await chat.send("/start")
    await chat.play(journeys(market)["book"][:3])
    await chat.send((today + timedelta(days=45)).strftime("%d/%m/%Y"))
    assert EN(TOO_FAR.replace(str(MAX_DAYS_AHEAD), "30")) in chat.text
    assert await chat.position() == "book:date"
    # A caller that skips the form is refused by the core service itself.
    client = (await user_of(chat)).id
    with pytest.raises(SlotUnavailable) as info:
        await request(db, clock.now(), client, market.photo_service, date(2126, 6, 14), guests=100)
    assert info.value.key == "slot_too_far"
    assert await bookings(db) == []
