"""Issue 14, "Conversation" (items 12-16 and the polish found on the way), through the
dialog engine with the built-in NLU, on real SQLite.

12: a change of mind at a free-text step of the form is not stored as the answer;
13: off-topic messages make no search, common questions get the FAQ, a complaint opens
    support as a complaint, anything else an honest "I can help with";
14: Arabic typed while French is chosen is answered in Arabic, with a switch offered;
15: a decline offers similar providers free that day and the proposed date;
16: "My bookings" names provider and service, in sections, with cancel on the booking.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.proposals import propose
from core.booking.states import Action, BookingState, Role
from core.clock import FixedClock
from core.db.tables import Booking, Ticket
from core.uow import UnitOfWorkFactory
from dialogs.client.questions import ABOUT_A_BOOKING
from dialogs.faq import FAQ
from dialogs.framework.errors import state_label
from dialogs.i18n.translator import translator
from tests.support.bookings import act, drive_to, request
from tests.support.chat import (
    Chat,
    bookings,
    client_chat,
    journeys,
    news_for,
    open_market,
    sqlite_uows,
    user_of,
)
from tests.support.factories import make_provider, make_user

EN, FR, AR = translator("en"), translator("fr"), translator("ar")
DAY = date(2026, 6, 14)  # six weeks after the test clock's 4 May 2026


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "conversation.db") as uows:
        yield uows


async def started(db: UnitOfWorkFactory, clock: FixedClock, language: str = "en") -> Chat:
    chat = client_chat(db, clock, language=language)
    await chat.send("/start")
    return chat


# --- Item 15: a decline carries alternatives --------------------------------------------


# On SQLite and PostgreSQL (the ``uows`` fixture): the alternatives are the search's SQL.
async def test_a_decline_offers_similar_free_providers_and_the_proposed_date(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    db = uows
    owner, atlas, service = await make_provider(db, clock.now())
    _, free, _ = await make_provider(db, clock.now(), slug="free-lens")
    _, _, busy_service = await make_provider(db, clock.now(), slug="busy-lens")
    _, _, _ = await make_provider(db, clock.now(), slug="fes-lens", city="fes")
    _, _, _ = await make_provider(db, clock.now(), slug="dj-rabat", category="dj")
    other = await make_user(db, clock.now(), name="another client")
    await request(db, clock.now(), other, busy_service, DAY)  # busy-lens is full that day
    chat = await started(db, clock)
    client = (await user_of(chat)).id
    booking_id = await request(db, clock.now(), client, service, DAY)
    later = DAY + timedelta(days=7)
    async with db() as uow:
        await propose(uow, booking_id, Actor(Role.PROVIDER, owner), now=clock.now(), day=later)
        await uow.commit()
    await act(
        db,
        booking_id,
        Action.DECLINE,
        Actor(Role.PROVIDER, owner),
        now=clock.now(),
        reason="Our team is away that weekend.",
    )

    [news] = chat.seen(await news_for(db, "booking_declined", client))
    assert "/start" not in news.text
    assert ".." not in news.text and ". ." not in news.text
    assert "Our team is away that weekend." in news.text
    codes = [b.payload for b in news.all_buttons()]
    assert f"g|alt:{free}:{DAY.isoformat()}" in codes
    assert f"g|alt:{atlas}:{later.isoformat()}" in codes  # the date the provider proposed
    offered = " ".join(b.label for b in news.all_buttons())
    for absent in ("busy-lens", "fes-lens", "dj-rabat"):  # full, other city, other category
        assert absent not in offered
    assert f"g|bk:{booking_id}" in codes

    await chat.click(f"g|alt:{free}:{DAY.isoformat()}")
    assert await chat.position() == "discover:profile"
    assert (await chat.state()).data["day"] == DAY.isoformat()
    await chat.click(chat.buttons()[0])  # Book its service: the date is not asked again
    assert await chat.position() == "book:event_type"
    await chat.click("evt:wedding")
    assert await chat.position() != "book:date"


async def test_a_forged_alternative_opens_no_suspended_or_unknown_provider(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = await started(db, clock)
    await chat.press(f"g|alt:999999:{DAY.isoformat()}")
    assert EN("This provider is not available any more.") in chat.text
    await chat.press("g|alt:find")
    assert await chat.position() == "discover:category"
    await chat.press(f"g|alt:find:spaceships:{DAY.isoformat()}")  # no such category
    assert await chat.position() == "discover:category"


async def test_find_a_provider_under_a_decline_keeps_the_kind_and_the_day(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Nobody similar was free in the booking's city: the search starts again at the city,
    the category and the day kept; a day gone by since is asked again."""
    chat = await started(db, clock)
    await chat.press(f"g|alt:find:photographer:{DAY.isoformat()}")
    assert await chat.position() == "discover:city"
    await chat.click("city:casablanca")
    assert await chat.position() == "discover:results"
    data = (await chat.state()).data
    assert (data["category"], data["city"], data["day"]) == ("photographer", "casablanca", str(DAY))
    assert EN.date(DAY, "medium") in chat.text

    gone = clock.now().date() - timedelta(days=1)
    await chat.press(f"g|alt:find:photographer:{gone.isoformat()}")
    await chat.click("city:rabat")
    assert await chat.position() == "discover:date"


# --- Item 16: my bookings ---------------------------------------------------------------


async def test_my_bookings_names_provider_and_service_in_sections(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, service = await make_provider(db, clock.now())
    chat = await started(db, clock, language="fr")
    client = (await user_of(chat)).id
    soon = (clock.now() + timedelta(days=20)).date()
    done = await request(db, clock.now(), client, service, soon)
    await drive_to(db, done, BookingState.COMPLETED, owner=owner, now=clock.now())
    waiting = await request(db, clock.now(), client, service, DAY)
    dropped = await request(db, clock.now(), client, service, DAY + timedelta(days=1))
    await act(db, dropped, Action.CANCEL, Actor(Role.CLIENT, client), now=clock.now())
    refs = {b.id: b.reference for b in await bookings(db)}

    await chat.send("/mybookings")
    text = chat.text
    sections = [FR("Open"), FR("Past"), FR("Cancelled or declined")]
    positions = [text.index("\n" + title + "\n") for title in sections]
    assert positions == sorted(positions)
    open_part, past_part = text[positions[0] : positions[1]], text[positions[1] : positions[2]]
    cancelled_part = text[positions[2] :]
    assert refs[waiting] in open_part and refs[done] in past_part
    assert refs[dropped] in cancelled_part
    waiting_line = next(line for line in text.splitlines() if refs[waiting] in line)
    assert "studio-atlas" in waiting_line and "Reportage" in waiting_line
    assert state_label("requested", FR) in waiting_line  # "en attente du prestataire"
    assert "nav:cancel" not in chat.buttons()  # no cancel beside the list

    await chat.click(f"bk:{waiting}")
    assert "cancel" in chat.buttons()  # on the booking itself


# --- Item 12: a change of mind is not stored as an answer -------------------------------


async def at_venue(db: UnitOfWorkFactory, clock: FixedClock, language: str = "fr") -> Chat:
    """A client in the booking form of a photographer, at the venue question."""
    _, _, service = await make_provider(db, clock.now())
    await make_provider(db, clock.now(), slug="dj-fes", category="dj", city="fes")
    chat = await started(db, clock, language=language)
    await chat.send("/start p-studio-atlas")
    await chat.click(f"book:{service}")
    await chat.click("evt:wedding")
    await chat.send("14 juin")
    await chat.click("gst:100")
    if await chat.position() == "book:city":
        await chat.click("city:rabat")
    assert await chat.position() == "book:venue"
    return chat


async def test_a_new_search_typed_at_the_venue_asks_to_leave_the_form(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = await at_venue(db, clock)
    await chat.send("en fait je préfère un DJ à Fès")
    assert await chat.position() == "book:leave"
    assert "venue" not in (await chat.state()).data  # was stored as the venue
    assert set(chat.buttons()) >= {"yes", "no"}

    await chat.click("yes")
    state = await chat.state()
    assert state.flow == "discover"
    assert (state.data.get("category"), state.data.get("city")) == ("dj", "fes")


async def test_no_keeps_the_text_as_the_venue(db: UnitOfWorkFactory, clock: FixedClock) -> None:
    chat = await at_venue(db, clock)
    await chat.send("Salle des fêtes, un DJ viendra aussi ?")
    assert await chat.position() == "book:leave"
    await chat.click("no")
    data = (await chat.state()).data
    assert data["venue"] == "Salle des fêtes, un DJ viendra aussi ?"
    assert await chat.position() == "book:notes"


async def test_a_plain_venue_is_stored_without_asking(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = await at_venue(db, clock)
    await chat.send("Villa Zaitoun, Anfa")
    assert (await chat.state()).data["venue"] == "Villa Zaitoun, Anfa"
    await chat.send("Le photographe de notre choix, merci")  # its own category: a note
    assert (await chat.state()).data["notes"] == "Le photographe de notre choix, merci"


async def test_a_question_the_faq_answers_is_answered_in_the_form_which_goes_on(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "Can I pay in cash?" at the date question: the FAQ's answer above the date question
    asked again, the occasion kept (it asked to leave the form, losing what was entered)."""
    _, _, service = await make_provider(db, clock.now())
    chat = await started(db, clock, language="fr")
    await chat.send("/start p-studio-atlas")
    await chat.click(f"book:{service}")
    await chat.click("evt:wedding")
    date_question = chat.text
    for question, faq in (
        ("est-ce que je peux payer en espèces ?", "How do I pay? Can I pay in cash?"),
        ("comment annuler ?", "Can I cancel?"),
    ):
        await chat.send(question)
        assert await chat.position() == "book:date"
        assert FR(faq) in chat.text and chat.text.endswith(date_question), chat.text
        assert (await chat.state()).data["event_type"] == "wedding"
    # The price question also names the price of the service being booked.
    await chat.send("combien ça coûte ?")
    assert await chat.position() == "book:date"
    assert FR("How much does it cost?") in chat.text
    assert FR.money(500_000) in chat.text  # the service's price (tests/support/factories)


async def test_a_question_with_no_faq_answer_asks_to_leave_and_no_asks_the_date_again(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, service = await make_provider(db, clock.now())
    chat = await started(db, clock, language="fr")
    await chat.send("/start p-studio-atlas")
    await chat.click(f"book:{service}")
    await chat.click("evt:wedding")
    await chat.send("vous faites aussi les vidéos ?")
    assert await chat.position() == "book:leave"
    await chat.click("no")
    assert await chat.position() == "book:date"
    await chat.send("vous faites aussi les vidéos ?")
    await chat.click("yes")  # read as a search for a videographer, the form left
    assert await chat.position() == "discover:city"


async def test_a_search_for_the_forms_own_kind_at_the_date_asks_to_leave(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "photographe à Casablanca" at a photographer's date question is no date: it was
    refused as one ("Please type the date"); a note naming the kind stays a note."""
    _, _, service = await make_provider(db, clock.now())
    await make_provider(db, clock.now(), slug="studio-casa", city="casablanca")
    chat = await started(db, clock, language="fr")
    await chat.send("/start p-studio-atlas")
    await chat.click(f"book:{service}")
    await chat.click("evt:wedding")
    await chat.send("photographe à Casablanca")
    assert await chat.position() == "book:leave"
    looks = FR("It looks like you want to look for something else: {text}", text="« {} »")
    assert looks.format("photographe à Casablanca") in chat.text
    await chat.click("no")
    assert await chat.position() == "book:date"
    await chat.send("photographe à Casablanca")
    await chat.click("yes")
    state = await chat.state()
    assert state.flow == "discover"
    assert (state.data.get("category"), state.data.get("city")) == (
        "photographer",
        "casablanca",
    )


# --- Item 13: off-topic, FAQ, complaints ------------------------------------------------


async def test_weather_is_not_a_search(db: UnitOfWorkFactory, clock: FixedClock) -> None:
    chat = await started(db, clock, language="fr")
    await chat.send("quel temps fait-il à Agadir demain ?")
    assert await chat.position() == "menu:main"  # was: a search for Agadir tomorrow
    assert FR("I can't answer that, sorry. I can help you with:") in chat.text
    assert "g|sup" in chat.buttons()
    await chat.click("g|sup")
    assert await chat.position() == "support:category"


@pytest.mark.parametrize(
    ("language", "text", "question"),
    [
        ("fr", "est-ce que je peux payer en espèces ?", "How do I pay? Can I pay in cash?"),
        ("en", "How does the deposit work?", "How does the deposit work?"),
        ("fr", "comment annuler ma réservation ?", "Can I cancel?"),
        ("ar", "هل يمكنني الدفع نقدا؟", "How do I pay? Can I pay in cash?"),
        ("en", "how can I talk to a real person?", "How do I talk to a person?"),
        # A price question said no more: "I can't answer that" before (2026-12-06).
        ("ar", "شحال الثمن؟", "How much does it cost?"),
        ("fr", "chhal taman?", "How much does it cost?"),
        ("fr", "c'est combien les prix ?", "How much does it cost?"),
        ("en", "how much does it cost?", "How much does it cost?"),
    ],
)
async def test_common_questions_get_the_faq_answer(
    db: UnitOfWorkFactory, clock: FixedClock, language: str, text: str, question: str
) -> None:
    chat = await started(db, clock, language=language)
    await chat.send(text)
    t = translator(language)
    [entry] = [e for e in FAQ if e.question == question]
    assert t(entry.question) in chat.text and t(entry.answer) in chat.text
    assert await chat.position() == "menu:main"
    # An answer that sends the client to their bookings ("Yes, from your bookings") opens
    # them; every answer leads to our team.
    assert ("g|mybookings" in chat.buttons()) == (entry.topic in ABOUT_A_BOOKING)
    assert "g|sup" in chat.buttons()


async def test_i_want_to_cancel_my_booking_leads_to_it(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "je veux annuler ma réservation" from the menu: the answer says it is done from
    the bookings, and had only "Talk to our team" under it (a walk, 2026-12-07)."""
    _, _, service = await make_provider(db, clock.now())
    chat = await started(db, clock, language="fr")
    await request(db, clock.now(), (await user_of(chat)).id, service, DAY)
    await chat.send("je veux annuler ma réservation")
    assert FR("Can I cancel?") in chat.text
    await chat.click("g|mybookings")
    assert await chat.position() == "mybookings:list"
    assert FR("You have no bookings yet.") not in chat.text


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "combien coûte un photographe à Rabat ?"), ("en", "how much for a DJ in Fès?")],
)
async def test_a_price_question_naming_what_to_look_for_is_a_search(
    db: UnitOfWorkFactory, clock: FixedClock, language: str, text: str
) -> None:
    chat = await started(db, clock, language=language)
    await chat.send(text)
    state = await chat.state()
    assert state.flow == "discover" and state.data.get("category") in ("photographer", "dj")
    assert translator(language)("How much does it cost?") not in chat.text


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "the photographer never came"), ("fr", "le photographe n'est jamais venu")],
)
async def test_a_complaint_opens_support_as_a_complaint(
    db: UnitOfWorkFactory, clock: FixedClock, language: str, text: str
) -> None:
    _, _, service = await make_provider(db, clock.now())
    chat = await started(db, clock, language=language)
    booking_id = await request(db, clock.now(), (await user_of(chat)).id, service, DAY)
    await chat.send(text)
    assert await chat.position() == "support:booking"  # was: a search for photographers
    await chat.click(f"sb:{booking_id}")
    assert await chat.position() == "support:thread"
    async with db() as uow:
        [ticket] = (await uow.session.scalars(select(Ticket))).all()
        assert (ticket.category, ticket.booking_id, ticket.subject) == (
            "complaint",
            booking_id,
            text,
        )


# --- Item 14: the reply language follows the message ------------------------------------


async def test_arabic_typed_in_french_is_answered_in_arabic_with_a_switch(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, provider_id, _ = await make_provider(db, clock.now())
    chat = await started(db, clock, language="fr")
    await chat.send("مصور في الرباط")
    assert await chat.position() == "discover:results"
    assert all(reply.rtl for reply in chat.replies)  # every reply of this update is Arabic
    assert AR("You wrote in Arabic. Shall we continue in Arabic?") in chat.text
    assert "g|lang:ar" in chat.buttons()
    assert (await user_of(chat)).locale == "fr"  # only offered, not imposed

    # The presses that follow stay in Arabic: the chat is written in it.
    [open_it] = [
        b.payload
        for r in chat.replies
        for b in r.all_buttons()
        if b.payload.endswith(f"|open:{provider_id}")
    ]
    await chat.press(open_it)
    assert chat.replies and all(reply.rtl for reply in chat.replies)
    await chat.click("nav:back")
    await chat.send("مصور في الرباط")  # Arabic again: answered in it, not offered again
    assert all(reply.rtl for reply in chat.replies)
    assert AR("You wrote in Arabic. Shall we continue in Arabic?") not in chat.text

    await chat.send("photographe à Rabat")  # French again: French again, presses too
    assert not any(reply.rtl for reply in chat.replies)
    await chat.send("/start")
    assert not any(reply.rtl for reply in chat.replies)
    await chat.send("مصور في الرباط")  # turned to Arabic again: offered again
    assert AR("You wrote in Arabic. Shall we continue in Arabic?") in chat.text
    await chat.click("g|lang:ar")
    assert (await user_of(chat)).locale == "ar"
    assert AR("Language changed.") in chat.text
    await chat.send("السلام عليكم")
    assert AR("You wrote in Arabic. Shall we continue in Arabic?") not in chat.text

    # Chosen French from the menu after writing Arabic: French wins, presses included.
    other = client_chat(db, clock, key="c:other", language="fr")
    await other.send("مصور في الرباط")
    await other.send("/language")
    await other.click("lang:fr")
    await other.click("m:find")
    assert other.replies and not any(reply.rtl for reply in other.replies)


# --- Polish: the welcome is not said again after every finished action -------------------

WELCOME = EN(
    "Welcome to Mounasabet! Find and book photographers, caterers, venues, negafas "
    "and more for your event. Choose an option or write what you need."
)


async def test_the_welcome_is_not_repeated_after_a_request_is_sent(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(db, clock.now())
    chat = await started(db, clock)
    assert WELCOME in chat.text
    await chat.play(journeys(market)["book"])
    await chat.click("confirm")
    assert await chat.position() == "menu:main"
    assert WELCOME not in chat.text  # was: the whole welcome after every request
    assert EN("What else can I do for you? Choose an option or write what you need.") in chat.text
    await chat.send("/start")
    assert WELCOME in chat.text


async def test_a_reference_pasted_in_the_chat_opens_that_booking(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "MSB-…" copied from a message was "Sorry, I did not understand"; now that booking's
    screen (Back: where the client was). Another client's reference opens their own
    bookings, not it. A complaint naming one still goes to support."""
    _, _, service = await make_provider(db, clock.now())
    chat = await started(db, clock)
    booking_id = await request(db, clock.now(), (await user_of(chat)).id, service, DAY)
    async with db() as uow:
        reference = await uow.session.scalar(
            select(Booking.reference).where(Booking.id == booking_id)
        )
    assert reference is not None
    for typed in (reference, f"hi, about {reference.lower()}?"):
        await chat.send("/start")
        await chat.send(typed)
        assert await chat.position() == "mybookings:detail", typed
        assert EN("Booking {ref}", ref=reference) in chat.text
    await chat.click("nav:back")
    assert await chat.position() == "menu:main"
    other = client_chat(db, clock, key="c:other", language="en")
    await other.send("/start")
    await other.send(reference)
    assert await other.position() == "mybookings:list"
    assert reference not in other.text
    await chat.send("/start")
    await chat.send(f"I want my refund for {reference}, the photographer never came")
    assert (await chat.state()).flow == "support"
