"""Issue 13: counter-proposals from the provider's dashboard, answered by the client, and
other people's buttons refused.

Driven through the dialog engine (the provider bot and the client bot, as the sandbox
drives them); the news each party gets is rendered from the outbox as the worker would send
it. The end-to-end journeys through Telegram and WhatsApp are in
tests/e2e/test_issue_13_counter_proposal.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.proposals import explain_refusal
from core.booking.states import Role
from core.clock import FixedClock
from core.db.tables import BookingProposal
from core.errors import IllegalTransition
from core.uow import UnitOfWorkFactory
from tests.support.bookings import request, snapshot
from tests.support.chat import Chat, news_for, outbox
from tests.support.factories import make_provider, make_user
from tests.support.provider_dashboard import (
    AR,
    DAY,
    EN,
    FR,
    NEW_DAY,
    PRICE,
    all_proposals,
    booking_row,
    held_days,
    linked,
    proposals,
    propose_from_dashboard,
    set_locale,
)

NOTE = "20 assiettes végétariennes en plus"


async def test_accepted_proposal_moves_date_price_and_slot(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service = await make_provider(db, now)  # one event a day
    client = await make_user(db, now)
    await set_locale(db, client, "ar")
    booking_id = await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:prop")

    await propose_from_dashboard(provider, booking_id, "20 juin", "4 500", NOTE)
    assert (
        FR(
            "Your proposal for {ref} was sent to the client. We will tell you their answer.",
            ref=(await booking_row(db, booking_id)).reference,
        )
        in provider.text
    )
    assert await provider.position() == "pdash:booking"
    assert FR("Your proposal, waiting for the client:") in provider.last.text
    assert FR("Your message") + ": " + NOTE in provider.last.text
    assert await proposals(db) == [("pending", NEW_DAY, 450_000)]
    before = await booking_row(db, booking_id)
    assert (before.state, before.event_date, before.total_minor) == ("requested", DAY, PRICE)
    assert await held_days(db, booking_id) == [DAY]  # nothing moves before the client says so

    # The client reads the proposal in Arabic, with Accept / Refuse.
    [news] = await news_for(db, "proposal_made", client)
    assert news.text.startswith(
        AR(
            "{provider} proposes other terms for your request {ref}:",
            provider="studio-atlas",
            ref=before.reference,
        )
    )
    assert AR.money(450_000) in news.text and AR.date(NEW_DAY) in news.text
    # The provider's word about it, under the terms (kept as typed, isolated in Arabic).
    assert AR("The provider's message") + ": " + AR.isolate(NOTE) in news.text
    client_chat = await linked(db, clock, client, "c:prop", client=True)
    client_chat.seen([news])
    [proposal_id] = [int(p.rsplit(":", 1)[1]) for p in client_chat.buttons() if "cpa:" in p]
    await client_chat.click(f"cpa:{proposal_id}")

    after = await booking_row(db, booking_id)
    assert (after.state, after.event_date, after.total_minor) == ("accepted", NEW_DAY, 450_000)
    assert (after.deposit_minor, after.balance_minor) == (135_000, 315_000)
    assert after.deposit_minor + after.balance_minor == after.total_minor
    assert await held_days(db, booking_id) == [NEW_DAY]
    assert await proposals(db) == [("accepted", NEW_DAY, 450_000)]
    # The old date is free again: another client gets it.
    other = await make_user(db, now, name="Other")
    assert await request(db, now, other, service, DAY)
    # The provider hears it in French.
    [told] = await news_for(db, "proposal_accepted", owner)
    assert before.reference in told.text and FR.money(450_000) in told.text

    # A second tap on Accept does nothing more, and says so politely.
    kept = await snapshot(db, booking_id)
    await client_chat.press(f"g|cpa:{proposal_id}")
    assert AR("This proposal was already answered. Nothing more to do.") in client_chat.text
    assert await snapshot(db, booking_id) == kept


async def test_other_terms_proposed_straight_from_the_new_request_s_notice(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The notice offers what the request's screen offers: Accept, Decline, and other terms
    (before, a provider had to find the request under Bookings to propose)."""
    now = clock.now()
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:notice")
    await provider.send("/services")  # somewhere else when the notice comes
    [notice] = await news_for(db, "booking_requested", owner)
    provider.seen([notice])
    [propose] = [b for b in notice.all_buttons() if b.label.endswith(FR("Other terms"))]
    await provider.press(propose.payload)
    await provider.send("20 juin")
    await provider.send("4 500")
    await provider.send("x" * 501)  # a letter, not a word: said at once
    assert FR("Please keep your message to {max} characters.", max=500) in provider.text
    assert await provider.position() == "ppropose:note"
    await provider.click("skip")
    assert FR("The provider's message") not in provider.text
    await provider.click("send")
    assert await proposals(db) == [("pending", NEW_DAY, 450_000)]
    assert await provider.position() == "pdash:booking"  # the request's screen, as from Bookings


async def test_refused_proposal_leaves_the_request_as_it_was(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:refused")
    await propose_from_dashboard(provider, booking_id, "20 juin", "5000")  # the date only
    assert await proposals(db) == [("pending", NEW_DAY, PRICE)]
    # The home: the client's to answer now, not the provider's.
    await provider.send("/start")
    home = FR("Hello {name}. Requests waiting for your answer: {n}.", name="studio-atlas", n=0)
    assert home in provider.text
    [line] = [
        b.label for b in provider.last.all_buttons() if b.payload.endswith(f"req:{booking_id}")
    ]
    assert line.endswith("↪ " + FR("proposal sent"))
    client_chat = await linked(db, clock, client, "c:refused", client=True)
    client_chat.seen(await news_for(db, "proposal_made", client))
    refuse = next(p for p in client_chat.buttons() if "cpr:" in p)

    await client_chat.press(refuse)
    booking = await booking_row(db, booking_id)
    assert (booking.state, booking.event_date, booking.total_minor) == ("requested", DAY, PRICE)
    assert await held_days(db, booking_id) == [DAY]
    assert await proposals(db) == [("refused", NEW_DAY, PRICE)]
    assert (
        FR(
            "You kept your request {ref} as it was. {provider} has been told and will answer it.",
            ref=booking.reference,
            provider="studio-atlas",
        )
        in client_chat.text
    )
    # The provider is told, with Accept / Decline / Propose again under the news.
    [told] = await news_for(db, "proposal_refused", owner)
    codes = [b.payload for b in told.all_buttons()]
    assert codes == [f"g|pacc:{booking_id}", f"g|pdec:{booking_id}", f"g|ppro:{booking_id}"]
    # Then the client may say why; the provider hears it, under the same answers.
    assert await client_chat.position() == "refusal:why"
    await client_chat.send("Le 20 juin nous ne pouvons pas, désolé")
    assert FR("Sent to {provider}.", provider="studio-atlas") in client_chat.text
    assert FR("What else can I do for you? Choose an option or write what you need.") in (
        client_chat.text
    )  # not the whole welcome again
    assert await client_chat.position() == "menu:main"
    [why] = await news_for(db, "proposal_refusal_explained", owner)
    assert why.text == FR(
        "About your proposal for {ref}, the client says: “{words}”",
        ref=booking.reference,
        words="Le 20 juin nous ne pouvons pas, désolé",
    )
    assert [b.payload for b in why.all_buttons()] == codes
    assert await _answers(db) == ["Le 20 juin nous ne pouvons pas, désolé"]
    [proposal_id] = client_chat_buttons_ids(refuse)
    with pytest.raises(IllegalTransition):  # once: a second message is refused
        async with db() as uow:
            await explain_refusal(
                uow, proposal_id, Actor(Role.CLIENT, client), "encore", now=clock.now()
            )
    await provider.send("/start")  # the provider's to answer again
    assert home.replace(": 0.", ": 1.") in provider.text
    # The proposal's news is no longer shown once answered (nothing to decide any more).
    assert await news_for(db, "proposal_made", client) == []


async def test_a_newer_proposal_replaces_the_pending_one(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:twice")
    await propose_from_dashboard(provider, booking_id, "21 juin", "5000")
    await propose_from_dashboard(provider, booking_id, "20 juin", "4000")
    assert await proposals(db) == [
        ("superseded", date(2026, 6, 21), PRICE),
        ("pending", NEW_DAY, 400_000),
    ]
    client_chat = await linked(db, clock, client, "c:twice", client=True)
    async with db() as uow:
        ids = await uow.session.scalars(select(BookingProposal.id).order_by(BookingProposal.id))
        older, newer = ids.all()
    kept = await snapshot(db, booking_id)
    await client_chat.press(f"g|cpa:{older}")  # the button under the first news
    assert (
        FR("The provider has since sent a newer proposal: please answer that one.")
        in client_chat.text
    )
    assert await snapshot(db, booking_id) == kept
    await client_chat.press(f"g|cpa:{newer}")
    booking = await booking_row(db, booking_id)
    assert (booking.state, booking.event_date, booking.total_minor) == (
        "accepted",
        NEW_DAY,
        400_000,
    )


async def test_a_proposal_lapses_when_the_provider_answers_the_request_meanwhile(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:lapse")
    await propose_from_dashboard(provider, booking_id, "20 juin", "4500")
    await provider.click("acc")  # accepted as it was, after all
    booking = await booking_row(db, booking_id)
    assert (booking.state, booking.event_date, booking.total_minor) == ("accepted", DAY, PRICE)
    await provider.click("hist")
    assert FR("no longer open: the request moved on") in provider.last.text

    client_chat = await linked(db, clock, client, "c:lapse", client=True)
    assert await news_for(db, "proposal_made", client) == []  # nothing to decide any more
    [proposal_id] = [p.id for p in await all_proposals(db)]
    kept = await snapshot(db, booking_id)
    await client_chat.press(f"g|cpa:{proposal_id}")
    assert (
        FR(
            "This booking has already moved on (it is now {state_label}).",
            state_label=FR("accepted, deposit due"),
        )
        in client_chat.text
    )
    assert await snapshot(db, booking_id) == kept


async def test_accepting_a_proposal_whose_day_filled_up_is_refused_politely(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:full")
    await propose_from_dashboard(provider, booking_id, "20 juin", "4500")
    # Meanwhile another client takes 20 June (one event a day).
    await request(db, now, await make_user(db, now, name="Quick"), service, NEW_DAY)
    client_chat = await linked(db, clock, client, "c:full", client=True)
    client_chat.seen(await news_for(db, "proposal_made", client))
    kept = await snapshot(db, booking_id)

    await client_chat.press(next(p for p in client_chat.buttons() if "cpa:" in p))
    assert FR("Sorry, this date is fully booked. Please choose another one.") in client_chat.text
    assert await snapshot(db, booking_id) == kept
    assert await proposals(db) == [("pending", NEW_DAY, 450_000)]


async def test_proposing_a_full_or_unchanged_date_is_explained(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, now, client, service, DAY)
    await request(db, now, await make_user(db, now, name="Other"), service, NEW_DAY)
    provider = await linked(db, clock, owner, "p:explain")
    await provider.send("/bookings")
    await provider.click(f"bk:{booking_id}")
    await provider.click("pro")
    await provider.send("20 juin")
    assert FR("Sorry, this date is fully booked. Please choose another one.") in provider.text
    assert await provider.position() == "ppropose:date"
    await provider.click("same")
    await provider.click("same")
    assert FR("Change the date, the price, or both.") in provider.text
    assert await provider.position() == "ppropose:date"
    assert await proposals(db) == []


# ---- other people's buttons ------------------------------------------------------------------


async def test_buttons_of_another_providers_booking_are_refused(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service = await make_provider(db, now)
    intruder, _, _ = await make_provider(db, now, slug="other-studio")
    client = await make_user(db, now)
    booking_id = await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:owner")
    await propose_from_dashboard(provider, booking_id, "20 juin", "4500")
    kept = await snapshot(db, booking_id)
    proposal_rows = await proposals(db)

    other = await linked(db, clock, intruder, "p:intruder")
    await other.send("/start")
    for forged in (f"pbk:{booking_id}", f"ppro:{booking_id}", f"pacc:{booking_id}"):
        await other.press(f"g|{forged}")
        assert FR("This booking is not yours.") in other.text
    await other.send("/bookings")
    assert f"bk:{booking_id}" not in other.buttons()
    await other.press(f"{0:x}|bk:{booking_id}")  # a forged dashboard button: stale or refused
    assert str(booking_id) not in " ".join(other.buttons())

    # Another client cannot answer this client's proposal either.
    stranger = await linked(db, clock, await make_user(db, now, name="X"), "c:x", client=True)
    [proposal_id] = [
        int(b.payload.rsplit(":", 1)[1])
        for r in await news_for(db, "proposal_made", client)
        for b in r.all_buttons()
        if "cpa:" in b.payload
    ]
    for forged in (f"cpa:{proposal_id}", f"cpr:{proposal_id}"):
        await stranger.press(f"g|{forged}")
        assert FR("This booking is not yours.") in stranger.text
    assert await snapshot(db, booking_id) == kept
    assert await proposals(db) == proposal_rows


async def test_news_and_every_screen_speak_the_readers_language(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The outbox carries the change; each party's own language renders it."""
    now = clock.now()
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    await set_locale(db, client, "en")
    booking_id = await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:lang")
    await propose_from_dashboard(provider, booking_id, "20 juin", "4500")
    kinds = [(m.kind, m.user_id) for m in await outbox(db) if m.kind != "direct_reply"]
    assert kinds == [("booking_requested", owner), ("proposal_made", client)]
    [news] = await news_for(db, "proposal_made", client)
    assert news.meta["locale"] == "en"
    assert EN("Do you accept? If you refuse, your request stays as it was.") in news.text


async def test_accepting_the_old_terms_ends_the_proposal_on_the_home(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The provider proposes, then accepts the request as it was: the proposal lapsed, so
    the home lists the booking by its state again, not as "proposal sent"."""
    now = clock.now()
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:lapsed")
    await propose_from_dashboard(provider, booking_id, "20 juin", "4500")
    await provider.click("acc")  # on the request's card, still offered
    await provider.send("/start")
    [line] = [
        b.label for b in provider.last.all_buttons() if b.payload.endswith(f"req:{booking_id}")
    ]
    assert line.endswith(FR("accepted, deposit due"))


async def _answers(db: UnitOfWorkFactory) -> list[str | None]:
    async with db() as uow:
        return list((await uow.session.scalars(select(BookingProposal.answer_note))).all())


def client_chat_buttons_ids(payload: str) -> list[int]:
    """The proposal's id in a Refuse button's payload ("g|cpr:7")."""
    return [int(payload.rpartition(":")[2])]


@dataclass
class Refusing:
    """A client who refused a provider's other terms, asked why; their provider's chat."""

    chat: Chat
    provider: Chat
    client: int
    service: int
    clock: FixedClock

    async def refuse_again(self, db: UnitOfWorkFactory, day: date, proposed: str) -> None:
        """Another request, other terms for it, refused as well."""
        booking_id = await request(db, self.clock.now(), self.client, self.service, day)
        await propose_from_dashboard(self.provider, booking_id, proposed, "4500")
        self.chat.seen(await news_for(db, "proposal_made", self.client))
        await self.chat.press(next(p for p in self.chat.buttons() if "cpr:" in p))


async def refusing(db: UnitOfWorkFactory, clock: FixedClock, key: str) -> Refusing:
    owner, _, service = await make_provider(db, clock.now())
    client = await make_user(db, clock.now())
    provider = await linked(db, clock, owner, f"p:{key}")
    chat = await linked(db, clock, client, f"c:{key}", client=True)
    found = Refusing(chat, provider, client, service, clock)
    await found.refuse_again(db, DAY, "20 juin")
    assert await chat.position() == "refusal:why"
    return found


async def test_refusing_without_a_word(db: UnitOfWorkFactory, clock: FixedClock) -> None:
    """Too long is said and asked again; Skip: nothing more is sent; the client is home."""
    chat = (await refusing(db, clock, "skip")).chat
    await chat.send("x" * 501)
    assert FR("Please keep your message to {max} characters.", max=500) in chat.text
    assert await chat.position() == "refusal:why"
    await chat.click("skip")
    assert await chat.position() == "menu:main"
    assert await _answers(db) == [None]
    assert [m for m in await outbox(db) if m.kind == "proposal_refusal_explained"] == []


async def test_a_greeting_or_a_late_message_after_refusing_is_not_sent_as_the_reason(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "Bonjour", or anything typed more than an hour later, is a new conversation: the
    menu, and nothing sent to the provider."""
    refused = await refusing(db, clock, "late")
    chat = refused.chat
    await chat.send("Bonjour")
    assert await chat.position() == "menu:main"
    assert await _answers(db) == [None]

    await refused.refuse_again(db, DAY + timedelta(days=1), "22 juin")
    assert await chat.position() == "refusal:why"
    clock.advance(timedelta(hours=2))
    await chat.send("trop cher pour nous")  # hours later: the chat again, not the provider
    assert await _answers(db) == [None, None]
