"""The provider bot's home and a request's card take the read-only path, and stay exact.

Both list what changes in other processes at any moment (a client's request, a deposit
paid, a sweep expiring a request), so they are never cached: each is read on a read-only
session when shown. What they lead to (Accept, Decline, Mark as delivered) still runs in a
transaction, which re-reads and locks the booking."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import Provider, WeeklyRule
from core.uow import UnitOfWorkFactory
from dialogs.framework.errors import state_label
from dialogs.i18n.translator import translator
from tests.support.bookings import act, request
from tests.support.chat import Chat, bookings, provider_chat
from tests.support.factories import make_provider, make_user
from tests.support.statements import statements_on

FR = translator("fr")
WAITING = "Hello {name}. Requests waiting for your answer: {n}."


async def _provider_with_request(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> tuple[Chat, int, int]:
    """The provider's chat (known to this process), its owner and a request waiting."""
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now(), name="Salma")
    day = (clock.now() + timedelta(days=20)).date()
    booking_id = await request(uows, clock.now(), client, service, day)
    chat = await provider_chat(uows, clock, owner)
    await chat.send("/start")  # not yet in this process's memory: read in a transaction
    return chat, owner, booking_id


def _writes(sent: list[str]) -> list[str]:
    """Statements of a step itself; the journal's batch (the chat's state) is left out."""
    return [
        s
        for s in sent
        if s.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
        and "conversations" not in s
        and "channel_identities" not in s
    ]


async def test_home_and_a_request_card_read_without_a_transaction(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat, _, booking_id = await _provider_with_request(uows, clock)
    paths = chat.engine.paths
    before = dict(paths)
    with statements_on(uows.engine) as sent:
        await chat.send("/start")
        home = chat.text
        await chat.click(f"req:{booking_id}")
    assert paths["fast"] == before.get("fast", 0) + 2
    assert paths["transaction"] == before["transaction"]
    assert _writes(sent) == []
    assert FR(WAITING, name="studio-atlas", n=1) in home
    [booking] = await bookings(uows)
    assert booking.reference in chat.text
    assert chat.buttons() == [
        f"g|pacc:{booking_id}",
        f"g|pdec:{booking_id}",
        f"g|ppro:{booking_id}",
    ]


async def test_another_process_s_change_shows_at_once(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Exact: an accept made elsewhere (the sandbox, another web process) is on the next
    home and card, with no cache to wait out."""
    chat, owner, booking_id = await _provider_with_request(uows, clock)
    await chat.send("/start")
    assert FR(WAITING, name="studio-atlas", n=1) in chat.text
    await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=clock.now())
    await chat.send("/start")
    assert FR(WAITING, name="studio-atlas", n=0) in chat.text
    await chat.click(f"req:{booking_id}")
    assert state_label("accepted", FR) in chat.text
    # Nothing to decide, the deposit is awaited: the booking's whole screen, no dead end.
    assert chat.buttons() == [f"g|pbk:{booking_id}"]
    await chat.press(f"g|pbk:{booking_id}")
    assert await chat.position() == "pdash:booking"
    assert {"hist", "help"} <= set(chat.buttons())


async def test_a_forged_card_is_refused_on_the_read_only_path(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A button naming another provider's booking: the translated refusal, nothing else."""
    chat, _, _ = await _provider_with_request(uows, clock)
    _, _, other_service = await make_provider(uows, clock.now(), slug="other-studio")
    client = await make_user(uows, clock.now(), name="Karim")
    day = (clock.now() + timedelta(days=30)).date()
    theirs = await request(uows, clock.now(), client, other_service, day)
    fast = chat.engine.paths["fast"]
    with statements_on(uows.engine) as sent:
        await chat.press(f"g|preq:{theirs}")
    assert chat.engine.paths["fast"] == fast + 1
    assert FR("This booking is not yours.") in chat.text
    assert _writes(sent) == []
    with statements_on(uows.engine) as sent:
        await chat.press("g|preq:999999")
    assert FR("This booking no longer exists.") in chat.text
    assert _writes(sent) == []
    assert [b.state for b in await bookings(uows) if b.id == theirs] == ["requested"]


async def test_the_home_counts_every_request_not_only_those_it_lists(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A busy provider: the home lists its ten soonest open bookings, all accepted, while
    two requests wait further ahead. The count is of every request waiting, and the text
    says the list is of open bookings, and where the rest are."""
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now(), name="Salma")
    first = (clock.now() + timedelta(days=20)).date()
    ids = [
        await request(uows, clock.now(), client, service, first + timedelta(days=i))
        for i in range(12)
    ]
    for booking_id in ids[:10]:
        await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=clock.now())
    chat = await provider_chat(uows, clock, owner)
    await chat.send("/start")
    await chat.send("/start")  # the second one on the read-only path
    assert FR(WAITING, name="studio-atlas", n=2) in chat.text
    more = (
        "Your open bookings: {total}. The {shown} soonest are below; all of them are"
        " under Bookings."
    )
    assert FR(more, total=12, shown=10) in chat.text
    assert [b for b in chat.buttons() if b.startswith("req:")] == [f"req:{i}" for i in ids[:10]]
    await act(
        uows, ids[10], Action.DECLINE, Actor(Role.PROVIDER, owner), now=clock.now(), reason="x"
    )
    await act(
        uows, ids[11], Action.DECLINE, Actor(Role.PROVIDER, owner), now=clock.now(), reason="x"
    )
    await chat.send("/start")
    assert FR(WAITING, name="studio-atlas", n=0) in chat.text
    assert FR("Your open bookings, the soonest first:") in chat.text


async def test_a_reference_typed_at_home_opens_that_booking_s_card(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "MSB-…" pasted from a call or a ticket: the card, as the home's list opens it. One
    of another provider's bookings opens nothing (a reference proves nothing)."""
    chat, _, booking_id = await _provider_with_request(uows, clock)
    _, _, other_service = await make_provider(uows, clock.now(), slug="studio-other")
    client = await make_user(uows, clock.now(), name="Nadia")
    day = (clock.now() + timedelta(days=21)).date()
    theirs = await request(uows, clock.now(), client, other_service, day)
    references = {b.id: b.reference for b in await bookings(uows)}

    await chat.send(f"le client de {references[booking_id].lower()} a appelé")
    assert references[booking_id] in chat.text
    assert f"g|pacc:{booking_id}" in chat.buttons()
    await chat.send("/start")
    await chat.send(references[theirs])
    assert references[theirs] not in chat.text
    assert FR("Please choose a request or an option from the list.") in chat.text


async def test_the_home_leads_to_help_and_to_our_team(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Help and Support are on the home, as buttons and as words ("aide", "j'ai un
    problème avec un client"), not only as /help and /support in the help text."""
    chat, _, _ = await _provider_with_request(uows, clock)
    assert {"help", "support"} <= set(chat.buttons())
    await chat.click("help")
    assert FR("This bot brings you the booking requests of your Mounasabet clients.") in chat.text
    assert await chat.position() == "phome:home"  # the home asked again below it
    await chat.send("aide")
    assert "/support — " + FR("talk to our team") in chat.text
    await chat.send("j'ai un problème avec un client")
    assert await chat.position() == "support:category"
    assert "sc:complaint" in chat.buttons()
    await chat.send("/start")
    await chat.send("the client never showed up")  # a complaint: its words are the ticket's
    assert await chat.position() == "support:booking"
    await chat.click("sb:0")
    assert FR("Ticket #{n} is open. Our team will answer you here.", n=1) in chat.text
    await chat.send("/start")
    await chat.click("support")
    assert await chat.position() == "support:category"


async def test_the_home_says_when_nobody_can_book_for_want_of_hours(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A service, but no opening hours (a new provider who skipped them): the home says
    nobody can book yet, and where to set them; once open a day, it says nothing."""
    chat, owner, _ = await _provider_with_request(uows, clock)
    closed = FR(
        "You are closed every day of the week, so clients cannot book you: set your hours"
        " under Availability."
    )
    assert closed not in chat.text
    async with uows() as uow:
        provider_id = await uow.session.scalar(select(Provider.id).where(Provider.user_id == owner))
        await uow.session.execute(delete(WeeklyRule).where(WeeklyRule.provider_id == provider_id))
        await uow.commit()
    await chat.send("/start")
    assert closed in chat.text


async def test_the_home_s_options_written_as_providers_say_them(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """On WhatsApp the home is ten numbered options: providers write "mes services" for
    "My services" or "gains" for "Earnings" (each was "choose a request" in a walk); a word
    naming none of them says so, in words that fit a home with more than requests."""
    chat, _, _ = await _provider_with_request(uows, clock)
    for typed, position in [
        ("mes services", "psvc:list"),
        ("Mes horaires", "pavail:week"),
        ("agenda", "pcal:menu"),
        ("mes réservations", "pdash:list"),
    ]:
        await chat.send(typed)
        assert await chat.position() == position, typed
        await chat.send("/start")
    await chat.send("gains")
    assert FR("Your earnings") in chat.text
    await chat.send("/start")
    await chat.send("mon profil")
    assert await chat.position() != "phome:home"
    await chat.send("/start")
    await chat.send("photos de mariage")
    assert await chat.position() == "phome:home"
    assert FR("Please choose a request or an option from the list.") in chat.text
