"""Navigation at every step: Back, Cancel, the /commands, Edit from the summary, and
picking up a conversation after a restart.

Each flow is walked once; every screen on the way is saved (conversation state is JSON
by design) and each navigation action is tried from a fresh copy of that screen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time
from pathlib import Path

import pytest

from core.bootstrap import build_uow_factory
from core.catalog.vocabulary import MARKET_TZ
from core.clock import FixedClock
from core.db.engine import make_engine
from core.uow import UnitOfWorkFactory
from dialogs.client.app import CLIENT_APP
from dialogs.i18n.translator import translator
from tests.support.bookings import request
from tests.support.chat import (
    Action,
    Chat,
    Market,
    Screen,
    bookings,
    client_chat,
    dialog_engine,
    journeys,
    open_market,
    sqlite_uows,
    user_of,
    walk,
)

EN = translator("en")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "nav.db") as uows:
        yield uows


EXPECTED_POSITIONS = {
    "discover": [
        "discover:category",
        "discover:city",
        "discover:date",
        "discover:results",
        "discover:budget",
        "discover:results",
        "discover:guests",
        "discover:results",
        "discover:profile",
    ],
    "book": [
        "discover:profile",
        "book:event_type",
        "book:date",
        "book:time",
        "book:hours",
        "book:guests",
        "book:city",
        "book:venue",
        "book:notes",
        "book:phone",
        "book:email",
        "book:summary",
    ],
    "mybookings": ["mybookings:list", "mybookings:detail", "mybookings:cancel"],
    "support": [
        "support:category",
        "support:booking",
        "support:message",
        "support:thread",
        "support:list",
    ],
    "language": ["language:choose"],
}
# Screens that deliberately lack a navigation button (the design, pinned here).
NO_BACK = {"mybookings:cancel"}  # "No, keep it" is the way back
NO_CANCEL = {"language:choose", "mybookings:list", "mybookings:detail", "mybookings:cancel"}


@pytest.mark.parametrize("flow", ["discover", "book", "mybookings", "support", "language"])
async def test_back_cancel_and_commands_work_on_every_screen(
    db: UnitOfWorkFactory, clock: FixedClock, flow: str
) -> None:
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock, key=f"c:{flow}")
    await chat.send("/start")
    booking_id = await request(
        db, clock.now(), (await user_of(chat)).id, market.photo_service, date(2026, 7, 4)
    )
    screens = await walk(chat, journeys(market, booking_id)[flow])
    assert [s.position for s in screens] == EXPECTED_POSITIONS[flow]

    problems: list[str] = []
    for screen in screens:
        problems += await try_navigation(chat, screen)
    assert not problems, "\n".join(problems)


async def try_navigation(chat: Chat, screen: Screen) -> list[str]:
    where, problems = screen.position, []

    def check(ok: bool, what: str) -> None:
        if not ok:
            problems.append(f"{where}: {what}")

    codes = (await restored(chat, screen)).buttons()
    check(("nav:back" in codes) is (where not in NO_BACK), f"back button present: {codes}")
    check(("nav:cancel" in codes) is (where not in NO_CANCEL), f"cancel button present: {codes}")
    if "nav:back" in codes:
        await chat.click("nav:back")
        after = await chat.state()
        check(after.position == screen.came_from, f"Back led to {after.position}")
        check(len(chat.replies) == 1 and bool(chat.last.buttons), "Back shows a screen")
    if "nav:cancel" in (await restored(chat, screen)).buttons():
        await chat.click("nav:cancel")
        after = await chat.state()
        check(after.position == "menu:main", f"Cancel led to {after.position}")
        check(after.data == {} and after.history == [], f"Cancel kept {after.data}")
        check(EN("Cancelled.") in chat.text, "Cancel says so")

    commands = {
        "/start": "menu:main",
        "/language": "language:choose",
        "/mybookings": "mybookings:list",
        "/support": "support:category",
        "/help": where,
    }
    for command, target in commands.items():
        await restored(chat, screen)
        before = screen.point.state
        await chat.send(command)
        after = await chat.state()
        check(after.position == target, f"{command} led to {after.position}")
        if command == "/help":
            check("/mybookings" in chat.text, "/help shows the help")
            check(after.data == before["data"], "/help kept the answers")
        else:
            check(after.data == {}, f"{command} kept {after.data}")
            check(bool(chat.last.buttons), f"{command} shows buttons")
    return problems


async def restored(chat: Chat, screen: Screen) -> Chat:
    await chat.restore(screen.point)
    return chat


async def to_summary(chat: Chat, market: Market) -> None:
    await chat.send("/start")
    await chat.play(journeys(market)["book"])
    assert await chat.position() == "book:summary"


async def test_edit_any_field_from_the_summary_comes_back_to_it(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await to_summary(chat, market)
    edits: list[tuple[str, list[Action]]] = [
        ("event_type", [("click", "evt:wedding")]),
        # A new date asks the start time again before coming back.
        ("date", [("send", "21 June"), ("click", "tm:1500")]),
        ("guests", [("click", "gst:150")]),
        ("city", [("send", "Casablanca")]),
        ("venue", [("send", "Riad Salam")]),
        ("notes", [("click", "skip")]),
        ("phone", [("send", "+212 6 98 76 54 32")]),
        ("email", [("click", "skip")]),
    ]
    for field, answers in edits:
        await chat.click(f"edit:{field}")
        assert await chat.position() == f"book:{field}"
        await chat.play(answers)
        assert await chat.position() == "book:summary", field
        assert "edit:date" in chat.buttons()
    summary = chat.last.text
    for shown in ("Wedding", EN.date(date(2026, 6, 21)), "15:00", "150", "Riad Salam"):
        assert shown in summary
    # Back from an edit returns to the summary and changes nothing.
    await chat.click("edit:venue")
    await chat.click("nav:back")
    assert await chat.position() == "book:summary"
    assert chat.last.text == summary

    await chat.click("confirm")
    [booking] = await bookings(db)
    assert booking.event_type == "wedding"
    assert booking.event_date == date(2026, 6, 21)
    assert booking.starts_at.astimezone(MARKET_TZ).time() == time(15, 0)
    assert (booking.guests, booking.city, booking.venue) == (150, "casablanca", "Riad Salam")
    assert (booking.notes, booking.contact_email) == ("", None)
    assert booking.contact_phone == "+212698765432"
    assert booking.total_minor == 400_000  # four hours at 1,000 MAD


async def test_a_deep_link_mid_form_then_back_goes_to_the_menu(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await to_summary(chat, market)
    await chat.send("/start p-studio-atlas")
    assert await chat.position() == "discover:profile"
    await chat.click("nav:back")
    assert await chat.position() == "menu:main"
    await chat.send("/start c-photographer__t-rabat")
    assert await chat.position() == "discover:date"
    await chat.click("nav:back")
    assert await chat.position() == "menu:main"


async def test_the_conversation_resumes_after_a_restart(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "restart.db"
    async with sqlite_uows(path) as uows:
        market = await open_market(uows, clock.now())
        chat = client_chat(uows, clock)
        await chat.send("/start")
        await chat.play(journeys(market)["book"][:7])
        assert await chat.position() == "book:city"
        before = await chat.state()
    # The process died: a new database engine, a new unit-of-work factory, a new dialog
    # engine — only the file is the same. The screen the user looks at still works.
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        uows = build_uow_factory(engine)
        chat.engine = dialog_engine(CLIENT_APP, uows, clock)
        assert await chat.state() == before
        await chat.click("city:casablanca")
        assert await chat.position() == "book:venue"
        await chat.send("Villa Zaitoun, Anfa")
        data = (await chat.state()).data
        assert (data["event_type"], data["day"], data["start"]) == (
            "birthday",
            "2026-06-20",
            "14:00",
        )
        assert data["guests"] == 100
        await chat.play(journeys(market)["book"][9:])
        await chat.click("confirm")
        [booking] = await bookings(uows)
        assert (booking.state, booking.venue, booking.guests) == (
            "requested",
            "Villa Zaitoun, Anfa",
            100,
        )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("answer", ["yes", "no"])
async def test_back_after_answering_cancel_this_booking_leads_to_the_list(
    db: UnitOfWorkFactory, clock: FixedClock, answer: str
) -> None:
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await chat.send("/start")
    booking_id = await request(
        db, clock.now(), (await user_of(chat)).id, market.photo_service, date(2026, 7, 4)
    )
    await chat.play(journeys(market, booking_id)["mybookings"])
    await chat.click(answer)
    assert await chat.position() == "mybookings:detail"
    assert (await bookings(db))[0].state == ("cancelled" if answer == "yes" else "requested")
    assert ("cancel" in chat.buttons()) is (answer == "no")
    await chat.click("nav:back")
    assert await chat.position() == "mybookings:list"
