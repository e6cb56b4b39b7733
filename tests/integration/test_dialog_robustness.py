"""What users (and forgers) do that the happy path does not: stale buttons, double taps,
garbage in every step, and buttons naming someone else's booking.

Double taps run on SQLite and PostgreSQL: two updates of one chat at once, handled by one
engine (one process) or by two engines on the same database (two processes).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from core.clock import FixedClock
from core.db.tables import Base, Booking, SlotHold, Ticket
from core.uow import UnitOfWorkFactory
from dialogs.client.app import CLIENT_APP
from dialogs.framework.errors import MESSAGES
from dialogs.framework.state import DialogState
from dialogs.i18n.translator import translator
from tests.support.bookings import request, snapshot
from tests.support.chat import (
    APOLOGIES,
    Chat,
    Screen,
    bookings,
    client_chat,
    dialog_engine,
    journeys,
    open_market,
    outbox,
    sqlite_uows,
    user_of,
    walk,
)

EN = translator("en")
STALE = EN("That button belongs to an older message. Here is where we are now:")
NOT_YOURS = EN("This booking is not yours.")
DAY = date(2026, 7, 4)

GARBAGE_TEXT = {
    "empty": "",
    "huge": "Mounasabet " * 910,  # 10,010 characters
    "emoji": "🎉💍🥳🎊",
    "rtl": "نص عشوائي بدون أي معنى",
    "sql": "'; DROP TABLE bookings; --",
    "html": "<script>alert(1)</script>",
    "unknown command": "/frobnicate now",
    "control": "a\x00b\x1b[31mc",
}
# Payloads nobody's button carries; {seq} is the current screen's number, {pad} fills to 70 bytes.
GARBAGE_PAYLOADS = {
    "no bar": "garbage",
    "absurd code": "{seq}|zz:top",
    "huge id": "{seq}|bk:" + "9" * 30,
    "odd digits": "{seq}|open:²³",
    "70 bytes": "{seq}|{pad}",
    "unknown global": "g|zz:1",
    "huge global": "g|bk:" + "9" * 40,
}
# Steps where typed text is a real answer, and where it legitimately leads.
TEXT_ANSWERS = {
    "book:venue": "book:notes",
    "book:notes": "book:phone",
    # The problem typed straight away opens the ticket; its thread takes what follows.
    "support:category": "support:thread",
    "support:booking": "support:thread",
    "support:message": "support:thread",
}
# Steps that take the number in a text ("<script>alert(1)</script>" says 1), and where to.
NUMBER_ANSWERS = {
    "discover:budget": "discover:results",
    "discover:guests": "discover:results",
    "book:guests": "book:city",
}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "robust.db") as uows:
        yield uows


async def all_screens(chat: Chat, uows: UnitOfWorkFactory, clock: FixedClock) -> list[Screen]:
    """Every screen of every client flow, walked once; the chat owns one booking."""
    market = await open_market(uows, clock.now())
    await chat.send("/start")
    client_id = (await user_of(chat)).id
    booking_id = await request(uows, clock.now(), client_id, market.photo_service, DAY)
    screens = [Screen("menu:main", "", await chat.save_point())]
    for actions in journeys(market, booking_id).values():
        screens += await walk(chat, actions)
    return screens


async def table_counts(uows: UnitOfWorkFactory) -> dict[str, int]:
    async with uows() as uow:
        return {
            table.name: int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def unmoved(state: dict[str, Any]) -> dict[str, Any]:
    """What a refused button must not change: all but the screen number and its options."""
    return {k: v for k, v in state.items() if k not in ("seq", "options")}


def seq_of(chat: Chat) -> str:
    """The screen number the current buttons carry."""
    return next(b.payload.partition("|")[0] for b in chat.last.all_buttons() if b.payload[0] != "g")


async def test_buttons_from_older_screens_are_refused_politely(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(db, clock)
    screens = await all_screens(chat, db, clock)
    problems = []
    for older, current in pairwise(screens):
        came_by = current.point.state["last_payload"]
        own = [b.payload for b in older.point.last.all_buttons() if b.payload[0] != "g"]
        stale = next((p for p in own if p != came_by), None)
        for payload in [p for p in (stale, came_by) if p in own]:
            await chat.restore(current.point)
            await chat.press(payload)
            if payload == came_by:
                ok = chat.replies == []  # the very button that led here: a double tap
            else:
                ok = STALE in chat.text and bool(chat.last.all_buttons())
            after = (await chat.state()).to_json()
            if not ok or unmoved(after) != unmoved(current.point.state):
                problems.append(f"{current.position}: {payload} -> {after}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("two_processes", [False, True], ids=["one engine", "two engines"])
async def test_double_tap_on_send_the_request_books_once(
    uows: UnitOfWorkFactory, clock: FixedClock, two_processes: bool
) -> None:
    market = await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.play(journeys(market)["book"])
    assert await chat.position() == "book:summary"
    other = dialog_engine(CLIENT_APP, uows, clock) if two_processes else chat.engine
    tap = chat.inbound(payload=chat.payload("confirm"))
    first, second = await asyncio.gather(chat.engine.handle(tap), other.handle(tap))
    said = sorted([first, second], key=len)
    assert said[0] == []  # the second tap is swallowed, not answered twice
    assert (await bookings(uows))[0].reference in said[1][0].text
    [booking] = await bookings(uows)
    assert booking.state == "requested"
    assert [m.kind for m in await outbox(uows)] == ["booking_requested"]
    assert len((await snapshot(uows, booking.id)).holds) == 1
    assert await chat.position() == "menu:main"


async def test_double_tap_on_an_answer_moves_one_step(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.play(journeys(market)["book"][:2])
    before = await chat.state()
    assert before.position == "book:event_type"
    tap = chat.inbound(payload=chat.payload("evt:wedding"))
    results = await asyncio.gather(chat.engine.handle(tap), chat.engine.handle(tap))
    after = await chat.state()
    assert after.position == "book:date"
    assert after.history == [*before.history, "book:event_type"]
    assert sorted(len(r) for r in results) == [0, 1]


async def test_garbage_in_every_step_gets_a_reprompt(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(db, clock)
    screens = list({s.position: s for s in reversed(await all_screens(chat, db, clock))}.values())
    chat.allow_apology = True  # crashes are collected below with the other problems
    counts = await table_counts(db)
    cases = [("text", name, junk) for name, junk in GARBAGE_TEXT.items()]
    cases += [("payload", name, junk) for name, junk in GARBAGE_PAYLOADS.items()]
    problems = []
    for screen in screens:
        state = DialogState.from_json(screen.point.state)
        await chat.restore(screen.point)
        for kind, name, junk in cases:
            if state.position != screen.position:  # a legitimate answer moved on: go back
                state = DialogState.from_json(screen.point.state)
                await chat.restore(screen.point)
            junk = junk.format(seq=f"{state.seq:x}", pad="x" * (69 - len(f"{state.seq:x}")))
            await (chat.send(junk) if kind == "text" else chat.press(junk))
            state = await chat.state()
            allowed = {screen.position}
            if kind == "text" and junk.strip() and not junk.startswith("/"):
                allowed.add(TEXT_ANSWERS.get(screen.position, screen.position))
                if any(ch in "0123456789" for ch in junk):
                    allowed.add(NUMBER_ANSWERS.get(screen.position, screen.position))
            crashed = any(r.text in APOLOGIES for r in chat.replies)
            if crashed or not chat.text.strip() or state.position not in allowed:
                problems.append(f"{screen.position} {kind} {name!r} -> {state.position} {crashed=}")
    assert not problems, "\n".join(problems)
    after_counts = await table_counts(db)
    tickets = after_counts.pop("tickets") - counts.pop("tickets")
    assert tickets > 0  # support really took the typed problems
    for name in ("ticket_messages", "conversations", "channel_identities"):
        after_counts.pop(name), counts.pop(name)
    assert after_counts == counts
    async with db() as uow:
        subjects = (await uow.session.scalars(select(Ticket.subject))).all()
        assert GARBAGE_TEXT["sql"] in subjects  # stored as text, not run
        assert await uow.session.scalar(text("select count(*) from bookings")) == 1


async def test_typed_superscript_digits_are_no_number_and_no_crash(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "²³".isdigit() is True but int("²³") raises: typed numbers must not trust isdigit."""
    market = await open_market(db, clock.now())
    chat = client_chat(db, clock)
    await chat.send("/start")
    await chat.play(journeys(market)["discover"][:5])
    assert await chat.position() == "discover:budget"
    await chat.send("²³")  # the budget step reads digits out of the text
    assert await chat.position() == "discover:budget"
    await chat.send("/language")
    await chat.send("²³")  # a button step: typed numbers pick an option by its rank
    assert await chat.position() == "language:choose"
    assert EN("Please choose a language.") in chat.text


async def test_text_with_a_nul_byte_is_stored_on_postgresql_too(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.play(journeys(market)["book"][:8])
    assert await chat.position() == "book:venue"
    await chat.send("Villa\x00 Zaitoun")
    assert await chat.position() == "book:notes"
    await chat.send("/support")
    await chat.send("my \x00 problem")
    async with uows() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_a_client_cannot_open_someone_elses_booking(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(db, clock.now())
    owner = client_chat(db, clock, key="c:owner")
    await owner.send("/start")
    theirs = await request(db, clock.now(), (await user_of(owner)).id, market.photo_service, DAY)
    before = await snapshot(db, theirs)

    intruder = client_chat(db, clock, key="c:intruder")
    await intruder.send("/start")
    await intruder.play(journeys(market)["book"][:6])
    mid_form = await intruder.state()
    await intruder.press(f"g|bk:{theirs}")
    assert NOT_YOURS in intruder.text
    assert (await bookings(db))[0].reference not in intruder.text
    after = await intruder.state()
    assert (after.position, after.data, after.history) == (
        mid_form.position,
        mid_form.data,
        mid_form.history,
    )

    # Forged codes inside the flows that list bookings are refused the same way.
    await intruder.send("/mybookings")
    await intruder.press(f"{seq_of(intruder)}|bk:{theirs}")
    assert NOT_YOURS in intruder.text
    assert await intruder.position() == "mybookings:list"
    await intruder.send("/support")
    await intruder.click("sc:booking")
    await intruder.press(f"{seq_of(intruder)}|sb:{theirs}")
    assert NOT_YOURS in intruder.text
    assert await intruder.position() == "support:booking"
    assert await snapshot(db, theirs) == before

    # Their own booking opens as usual from a notification button.
    await owner.press(f"g|bk:{theirs}")
    assert await owner.position() == "mybookings:detail"
    await owner.click("nav:back")
    assert await owner.position() == "mybookings:list"
    async with db() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(SlotHold)) == 1
        assert await uow.session.scalar(select(func.count()).select_from(Booking)) == 1


async def test_two_clients_send_for_the_last_seat_at_once(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Each client on their own engine (process): the database lets one through. Both
    requests go in their journal's batch; the second is refused there, under the write
    lock, and its update runs again in a transaction, which says why."""
    market = await open_market(uows, clock.now())
    chats = [client_chat(uows, clock, key=f"c:racer-{i}") for i in range(2)]
    for i, chat in enumerate(chats):
        await chat.send("/start")
        await chat.send("photographer in Rabat on 14 June for 200 guests")
        await chat.click(f"open:{market.photo_provider}")
        await chat.click(f"book:{market.photo_service}")
        await chat.play([("click", "evt:wedding"), ("send", "Salle Al Amal"), ("click", "skip")])
        await chat.play([("send", f"06123456{i:02d}"), ("click", "skip")])
        assert await chat.position() == "book:summary"
    said = await asyncio.gather(*(chat.click("confirm") for chat in chats))
    [booking] = await bookings(uows)
    [winner] = [c for c in chats if (await user_of(c)).id == booking.client_id]
    [loser] = [c for c in chats if c is not winner]
    assert booking.reference in said[chats.index(winner)][0].text
    taken = {EN(MESSAGES[key]) for key in ("slot_taken", "slot_fully_booked")}
    assert any(message in loser.text for message in taken), loser.text
    assert await loser.position() == "book:summary"  # free to pick another date
    assert await winner.position() == "menu:main"
    assert [m.kind for m in await outbox(uows)] == ["booking_requested"]
    assert (winner.engine.paths["conflict"], loser.engine.paths["conflict"]) == (0, 1)
