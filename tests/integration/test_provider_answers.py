"""Accept and Mark as delivered from the provider bot's buttons go in the chat journal's
batch (core/booking/provider_answer.py, dialogs/provider/answers.py): no transaction of
their own, the same rules, news and audit trail, and the home after them shows them done.
Refused there, an answer runs again in a transaction, which says why; an Accept whose
provider connected a calendar runs in one from the start (the calendar is read first)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.booking.actions import delivery_too_early
from core.booking.actors import Actor
from core.booking.provider_home import ProviderHome
from core.booking.queries import BookingLine
from core.booking.states import Action, BookingState, Role, decide
from core.clock import FixedClock
from core.db.tables import (
    Booking,
    BookingTransition,
    BusyInterval,
    CalendarImport,
    OutboxMessage,
)
from core.errors import DomainError
from core.uow import UnitOfWorkFactory
from dialogs.framework.errors import explain, state_label
from dialogs.i18n.translator import translator
from dialogs.provider.calendar import BUSY_ON_ACCEPT
from tests.support.bookings import act, drive_to, request, snapshot
from tests.support.chat import Chat, bookings, provider_chat
from tests.support.factories import make_provider, make_user

FR = translator("fr")
WAITING = "Hello {name}. Requests waiting for your answer: {n}."
S = BookingState


async def _news(uows: UnitOfWorkFactory) -> list[tuple[str, int]]:
    async with uows() as uow:
        rows = await uow.session.execute(
            select(OutboxMessage.kind, OutboxMessage.user_id).where(
                OutboxMessage.kind.in_(("booking_accepted", "booking_delivered"))
            )
        )
        return [(kind, user_id) for kind, user_id in rows]


async def _trail(uows: UnitOfWorkFactory, booking_id: int) -> list[tuple[str, str, str]]:
    async with uows() as uow:
        rows = await uow.session.execute(
            select(BookingTransition.action, BookingTransition.target, BookingTransition.actor_role)
            .where(BookingTransition.booking_id == booking_id)
            .order_by(BookingTransition.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def _market(uows: UnitOfWorkFactory, clock: FixedClock) -> tuple[int, int, int, int]:
    """A provider with a request ahead and a paid booking whose day is today: (owner,
    client, request, paid booking)."""
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now(), name="Salma")
    ahead = await request(uows, clock.now(), client, service, clock.now().date() + timedelta(20))
    paid = await request(uows, clock.now(), client, service, clock.now().date() + timedelta(10))
    await drive_to(uows, paid, S.CONFIRMED, owner=owner, now=clock.now())
    return owner, client, ahead, paid


async def _booking(uows: UnitOfWorkFactory, booking_id: int) -> Booking:
    [found] = [b for b in await bookings(uows) if b.id == booking_id]
    return found


async def _started(uows: UnitOfWorkFactory, clock: FixedClock, booking_id: int) -> None:
    clock.set((await _booking(uows, booking_id)).starts_at)  # the event has begun


async def test_accept_and_deliver_are_written_in_the_journal(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, client, ahead, paid = await _market(uows, clock)
    await _started(uows, clock, paid)
    chat = await provider_chat(uows, clock, owner)
    await chat.send("/start")  # known to this process from here on
    paths, news = dict(chat.engine.paths), await _news(uows)

    await chat.press(f"g|pacc:{ahead}")
    accepted = await _booking(uows, ahead)
    assert accepted.state == "accepted"
    assert (
        FR(
            "You accepted {ref}. The client has been asked to pay the deposit.",
            ref=accepted.reference,
        )
        in chat.text
    )
    # The home below it was read before the journal wrote the accept: shown as it is now.
    assert FR(WAITING, name="studio-atlas", n=0) in chat.text
    [line] = [b for b in chat.last.all_buttons() if b.payload.endswith(f"req:{ahead}")]
    assert state_label("accepted", FR) in line.label

    await chat.press(f"g|pdel:{paid}")
    assert (await snapshot(uows, paid)).state == "delivered"
    assert [b for b in chat.buttons() if b.endswith(f"req:{paid}")] == []  # done: not open
    assert FR("Your open bookings, the soonest first:") in chat.text

    assert chat.engine.paths["fast"] == paths.get("fast", 0) + 2
    assert chat.engine.paths["transaction"] == paths.get("transaction", 0)
    assert chat.engine.paths["conflict"] == paths.get("conflict", 0)
    # The same news and audit rows as apply_action writes, once each.
    assert (await _news(uows))[len(news) :] == [
        ("booking_accepted", client),
        ("booking_delivered", client),
    ]
    assert (await _trail(uows, ahead))[-1] == ("accept", "accepted", "provider")
    assert (await _trail(uows, paid))[-1] == ("mark_delivered", "delivered", "provider")
    assert accepted.expires_at is not None  # the deposit's deadline, as apply_action sets
    assert timedelta(0) < accepted.expires_at - accepted.updated_at <= timedelta(hours=48)


async def test_an_answer_refused_in_the_journal_is_explained_from_a_transaction(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The client cancels between the provider's read and the journal's write (another
    process): the accept is refused under the lock and runs again in a transaction, which
    says the booking moved on. Nothing of the accept is written."""
    owner, client, ahead, _ = await _market(uows, clock)
    chat = await provider_chat(uows, clock, owner)
    await chat.send("/start")
    reads = chat.engine.reads
    read_booking = reads.provider_booking

    async def then_cancelled(owner_id: int, booking_id: int):  # type: ignore[no-untyped-def]
        found = await read_booking(owner_id, booking_id)
        await act(uows, booking_id, Action.CANCEL, Actor(Role.CLIENT, client), now=clock.now())
        return found

    reads.provider_booking = then_cancelled  # type: ignore[method-assign]
    paths, news = dict(chat.engine.paths), await _news(uows)
    await chat.press(f"g|pacc:{ahead}")
    assert chat.engine.paths["conflict"] == paths.get("conflict", 0) + 1
    assert chat.engine.paths["transaction"] == paths.get("transaction", 0) + 1
    assert (
        FR(
            "This booking has already moved on (it is now {state_label}).",
            state_label=state_label("cancelled", FR),
        )
        in chat.text
    )
    assert (await snapshot(uows, ahead)).state == "cancelled"
    assert [a for a, _, _ in await _trail(uows, ahead)] == ["request", "cancel"]
    assert await _news(uows) == news


async def test_an_accept_whose_calendar_is_read_first_takes_a_transaction(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, ahead, _ = await _market(uows, clock)
    provider_id = (await _booking(uows, ahead)).provider_id
    async with uows() as uow:
        uow.session.add(
            CalendarImport(
                provider_id=provider_id, url="https://cal.example/x.ics", connected_at=clock.now()
            )
        )
        await uow.commit()
    chat = await provider_chat(uows, clock, owner)
    await chat.send("/start")
    paths = dict(chat.engine.paths)
    await chat.press(f"g|pacc:{ahead}")
    assert (await snapshot(uows, ahead)).state == "accepted"
    assert chat.engine.paths["transaction"] == paths.get("transaction", 0) + 1
    assert chat.engine.paths["fast"] == paths.get("fast", 0)
    assert chat.engine.paths["conflict"] == paths.get("conflict", 0)


async def test_busy_time_stored_refuses_the_accept_under_the_lock(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """No calendar connected, but busy time stored at the request's time (set up by an
    admin): the journal's check refuses the accept, and the transaction says why."""
    owner, _, ahead, _ = await _market(uows, clock)
    request_ = await _booking(uows, ahead)
    async with uows() as uow:
        uow.session.add(
            BusyInterval(
                provider_id=request_.provider_id,
                starts_at=request_.starts_at,
                ends_at=request_.ends_at,
                source="admin",
            )
        )
        await uow.commit()
    chat = await provider_chat(uows, clock, owner)
    await chat.send("/start")
    paths = dict(chat.engine.paths)
    await chat.press(f"g|pacc:{ahead}")
    assert FR(BUSY_ON_ACCEPT, ref=request_.reference) in chat.text
    assert chat.engine.paths["conflict"] == paths.get("conflict", 0) + 1
    assert (await _booking(uows, ahead)).state == "requested"


async def test_refusals_on_the_read_only_path_write_nothing(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, ahead, paid = await _market(uows, clock)
    _, _, other_service = await make_provider(uows, clock.now(), slug="other-studio")
    someone = await make_user(uows, clock.now(), name="Karim")
    theirs = await request(
        uows, clock.now(), someone, other_service, clock.now().date() + timedelta(30)
    )
    chat: Chat = await provider_chat(uows, clock, owner)
    await chat.send("/start")
    paths, news = dict(chat.engine.paths), await _news(uows)
    before = [await snapshot(uows, b) for b in (ahead, paid, theirs)]

    await chat.press(f"g|pacc:{theirs}")  # a forged button
    assert FR("This booking is not yours.") in chat.text
    await chat.press("g|pdel:999999")
    assert FR("This booking no longer exists.") in chat.text
    await chat.press(f"g|pdel:{paid}")  # its event is ten days ahead
    too_early = delivery_too_early((await _booking(uows, paid)).starts_at, clock.now())
    assert too_early is not None and explain(too_early, FR) in chat.text
    await chat.press(f"g|pdel:{ahead}")  # a request is not delivered
    with pytest.raises(DomainError) as illegal:
        decide(S.REQUESTED, Action.MARK_DELIVERED, Role.PROVIDER)
    assert explain(illegal.value, FR) in chat.text
    assert chat.engine.paths["fast"] == paths.get("fast", 0) + 4
    assert chat.engine.paths["transaction"] == paths.get("transaction", 0)
    assert [await snapshot(uows, b) for b in (ahead, paid, theirs)] == before
    assert await _news(uows) == news


def test_the_home_after_an_answer_counts_it() -> None:
    """`ProviderHome.after`: the counts follow the move even for a booking the home does
    not list (it lists the soonest); a booking no longer open leaves the list."""
    lines = [BookingLine(n, f"MSB-{n}", date(2027, 6, n), "confirmed") for n in (1, 2)]
    home = ProviderHome(7, {"fr": "Studio"}, "active", lines, waiting=3, open_total=12)
    after = home.after({40: ("requested", "accepted"), 2: ("confirmed", "delivered")})
    assert (after.waiting, after.open_total) == (2, 11)
    assert [(line.id, line.state) for line in after.open] == [(1, "confirmed")]
    assert home.after({}) == home
    # A request whose other terms wait for the client was not counted as waiting: an
    # Accept from its card moves the count of the others not at all.
    proposed = BookingLine(3, "MSB-3", date(2027, 6, 3), "requested", proposed=True)
    home = ProviderHome(7, {"fr": "Studio"}, "active", [proposed], waiting=1, open_total=1)
    after = home.after({3: ("requested", "accepted")})
    assert (after.waiting, after.open_total) == (1, 1)
    assert [(line.state, line.proposed) for line in after.open] == [("accepted", False)]
