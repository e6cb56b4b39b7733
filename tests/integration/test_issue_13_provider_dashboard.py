"""Issue 13: the provider's bookings dashboard, counter-proposals, proof of delivery, earnings.

Driven through the dialog engine (the provider bot and the client bot, as the sandbox
drives them) on real SQLite; the news each party gets is rendered from the outbox as the
worker would send it. The end-to-end journeys through Telegram and WhatsApp are in
tests/e2e/test_issue_13_counter_proposal.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_timedelta
from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.catalog.photo_store import LocalPhotoStore
from core.clock import FixedClock
from core.db.tables import Booking, BookingProposal, DeliveryProof, SlotHold, User
from core.payments.charges import deposit_link
from core.payments.events import handle_gateway_event
from core.payments.ports import GatewayEvent, Payments
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_engine
from dialogs.client.app import CLIENT_APP
from dialogs.framework.context import Deps
from dialogs.i18n.translator import translator
from dialogs.nlu.builtin import BuiltinParser
from dialogs.provider.app import PROVIDER_APP
from dialogs.provider.dashboard import SECTION_TITLES
from payments.offline_gateway import OfflineGateway
from tests.support.bookings import S, act, drive_to, request, snapshot
from tests.support.chat import Chat, link_provider, news_for, outbox
from tests.support.factories import make_provider, make_user
from tests.support.pictures import picture

FR, AR, EN = translator("fr"), translator("ar"), translator("en")
DAY, NEW_DAY = date(2026, 6, 14), date(2026, 6, 20)
PRICE = 500_000  # the factories' service: 5 000 MAD, 30 % deposit


class Links:
    def invoice_url(self, invoice_id: int, *, now: datetime) -> str:
        return f"http://test/invoices/{invoice_id}.pdf"

    def credit_note_url(self, credit_note_id: int, *, now: datetime) -> str:
        return f"http://test/credit-notes/{credit_note_id}.pdf"


@pytest.fixture
def db(uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """SQLite, and PostgreSQL when MOUNASABET_TEST_POSTGRES_URL is set."""
    return uows


@pytest.fixture
def payments() -> Payments:
    return Payments(OfflineGateway("http://test"), Links(), 1000)


def chat(
    uows: UnitOfWorkFactory, clock: FixedClock, key: str, *, client: bool, pay: Payments | None
) -> Chat:
    deps = Deps(nlu=BuiltinParser(), payments=pay)
    app = CLIENT_APP if client else PROVIDER_APP
    return Chat(build_engine(app, uows, deps, clock), key, language="fr")


async def linked(
    uows: UnitOfWorkFactory,
    clock: FixedClock,
    user_id: int,
    key: str,
    *,
    client: bool = False,
    pay: Payments | None = None,
) -> Chat:
    await link_provider(uows, user_id, key, clock.now())  # any user's chat identity
    return chat(uows, clock, key, client=client, pay=pay)


async def set_locale(uows: UnitOfWorkFactory, user_id: int, locale: str) -> None:

    async with uows() as uow:
        user = await uow.session.get(User, user_id)
        assert user is not None
        user.locale = locale
        await uow.commit()


async def booking_row(uows: UnitOfWorkFactory, booking_id: int) -> Booking:
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        uow.session.expunge(booking)
        return booking


async def held_days(uows: UnitOfWorkFactory, booking_id: int) -> list[date]:
    async with uows() as uow:
        rows = await uow.session.scalars(
            select(SlotHold.day).where(SlotHold.booking_id == booking_id)
        )
        return sorted(rows.all())


async def proposals(uows: UnitOfWorkFactory) -> list[tuple[str, date, int]]:
    async with uows() as uow:
        rows = await uow.session.scalars(select(BookingProposal).order_by(BookingProposal.id))
        return [(p.status, p.to_date, p.to_total_minor) for p in rows.all()]


async def all_proposals(uows: UnitOfWorkFactory) -> list[BookingProposal]:
    async with uows() as uow:
        rows = list((await uow.session.scalars(select(BookingProposal))).all())
        uow.session.expunge_all()
        return rows


async def propose_from_dashboard(provider: Chat, booking_id: int, day: str, total: str) -> None:
    await provider.send("/bookings")
    await provider.click(f"bk:{booking_id}")
    await provider.click("pro")
    await provider.send(day)
    await provider.send(total)
    await provider.click("send")


# ---- the dashboard ---------------------------------------------------------------------------


async def test_dashboard_sections_in_order_with_paging(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()  # Monday 4 May 2026
    owner, _, service = await make_provider(db, now, capacity=9)
    client = await make_user(db, now)
    earlier = now - timedelta(days=20)
    # Two requests (the one expiring first comes first), then by section and day.
    late = await request(db, now - timedelta(hours=2), client, service, date(2026, 6, 20))
    soon = await request(db, now - timedelta(hours=20), client, service, date(2026, 6, 14))
    past = await request(db, earlier, client, service, date(2026, 5, 2))
    today = await request(db, earlier, client, service, date(2026, 5, 4))
    week = await request(db, earlier, client, service, date(2026, 5, 7))
    upcoming = [await request(db, earlier, client, service, date(2026, 5, d)) for d in (20, 21, 22)]
    gone = await request(db, earlier, client, service, date(2026, 5, 25))
    for booking_id in (past, today, *upcoming):
        await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=earlier)
    await drive_to(db, week, S.ACCEPTED, owner=owner, now=now)
    await drive_to(db, gone, S.DECLINED, owner=owner, now=earlier)

    provider = await linked(db, clock, owner, "p:dash")
    await provider.send("/bookings")
    first = provider.last.text
    titles = [
        f"{FR(SECTION_TITLES[s])} ({n})"
        for s, n in zip(SECTION_TITLES, (2, 1, 1, 1, 3), strict=True)
    ]
    assert FR("Page {page} of {pages}", page=1, pages=2) in first
    positions = [first.find(title) for title in titles[:4]]
    assert -1 not in positions and positions == sorted(positions)  # the first four sections
    assert titles[4] in first  # upcoming starts on this page, with its total count
    codes = [c for c in provider.buttons() if c.startswith("bk:")]
    assert codes == [f"bk:{b}" for b in (soon, late, past, today, week, upcoming[0])]
    left = format_timedelta(timedelta(hours=4), granularity="minute", threshold=1.5, locale="fr")
    assert left in first  # the request made 20 hours ago has 4 hours left to answer
    assert str(gone) not in " ".join(provider.buttons())

    await provider.click("pg:next")
    assert provider.last.edit  # the page is replaced in place
    assert FR("Page {page} of {pages}", page=2, pages=2) in provider.last.text
    assert [c for c in provider.buttons() if c.startswith("bk:")] == [
        f"bk:{b}" for b in upcoming[1:]
    ]
    assert "pg:next" not in provider.buttons()
    await provider.click("pg:prev")
    assert FR("Page {page} of {pages}", page=1, pages=2) in provider.last.text

    # A booking opens with its details, and its history from the audit trail.
    await provider.click(f"bk:{today}")
    assert FR("Paid") in provider.last.text and "pro" not in provider.buttons()
    assert "dlv" in provider.buttons()  # confirmed: it can be marked delivered
    await provider.click("hist")
    history = provider.last.text
    for label in ("request sent by the client", "accepted by you", "deposit paid"):
        assert FR(label) in history


async def test_home_keeps_its_list_and_offers_the_dashboard(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, service = await make_provider(db, clock.now())
    client = await make_user(db, clock.now())
    booking_id = await request(db, clock.now(), client, service, DAY)
    provider = await linked(db, clock, owner, "p:home")
    await provider.send("/start")
    assert f"req:{booking_id}" in provider.buttons()
    assert {"g|pdash", "g|pearn"} <= set(provider.buttons())
    await provider.click("g|pdash")
    assert await provider.position() == "pdash:list"
    await provider.click("nav:back")
    assert await provider.position() == "phome:home"


# ---- counter-proposals -----------------------------------------------------------------------


async def test_accepted_proposal_moves_date_price_and_slot(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service = await make_provider(db, now)  # one event a day
    client = await make_user(db, now)
    await set_locale(db, client, "ar")
    booking_id = await request(db, now, client, service, DAY)
    provider = await linked(db, clock, owner, "p:prop")

    await propose_from_dashboard(provider, booking_id, "20 juin", "4 500")
    assert (
        FR(
            "Your proposal for {ref} was sent to the client. We will tell you their answer.",
            ref=(await booking_row(db, booking_id)).reference,
        )
        in provider.text
    )
    assert await provider.position() == "pdash:booking"
    assert FR("Your proposal, waiting for the client:") in provider.last.text
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


# ---- proof of delivery ----------------------------------------------------------------------


async def test_proof_of_delivery_reaches_the_client_with_the_confirm_button(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    earlier = now - timedelta(days=20)
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, earlier, client, service, date(2026, 5, 2))  # took place
    await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=earlier)
    provider = await linked(db, clock, owner, "p:proof")
    await provider.send("/bookings")
    await provider.click(f"bk:{booking_id}")
    await provider.click("dlv")
    await provider.send("not a link")
    assert (
        FR("Please send a web link (starting with https://) to a photo or to your work.")
        in provider.text
    )
    assert (await booking_row(db, booking_id)).state == "confirmed"
    photo = "https://photos.example.com/album/final.jpg"
    await provider.send(photo)
    assert (await booking_row(db, booking_id)).state == "delivered"
    assert await provider.position() == "pdash:booking"
    assert FR("Proof of delivery") + ": " + photo in provider.last.text

    [news] = await news_for(db, "booking_delivered", client)
    assert news.photos == (photo,) and photo in news.text
    assert [b.payload for b in news.all_buttons()] == [f"g|cdl:{booking_id}", f"g|bk:{booking_id}"]
    client_chat = await linked(db, clock, client, "c:proof", client=True)
    client_chat.seen([news])
    await client_chat.click(f"cdl:{booking_id}")
    assert (await booking_row(db, booking_id)).delivery_confirmed_at is not None
    # Confirmed: the news, sent again, offers no confirmation any more.
    [again] = await news_for(db, "booking_delivered", client)
    assert f"g|cdl:{booking_id}" not in [b.payload for b in again.all_buttons()]


async def test_delivery_with_a_link_or_without_proof(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    earlier = now - timedelta(days=20)
    owner, _, service = await make_provider(db, now, capacity=2)
    client = await make_user(db, now)
    ids = [await request(db, earlier, client, service, date(2026, 5, 2)) for _ in range(2)]
    for booking_id in ids:
        await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=earlier)
    provider = await linked(db, clock, owner, "p:link")
    gallery = "https://gallery.example.com/wedding-2026"
    for booking_id, answer in zip(ids, (gallery, None), strict=True):
        await provider.send("/bookings")
        await provider.click(f"bk:{booking_id}")
        await provider.click("dlv")
        await (provider.send(answer) if answer else provider.click("none"))
    linked_news, plain_news = await news_for(db, "booking_delivered", client)
    assert linked_news.photos == () and linked_news.buttons[0][0].url == gallery
    assert plain_news.photos == () and FR("Proof of delivery") not in plain_news.text
    async with db() as uow:
        proofs = (await uow.session.scalars(select(DeliveryProof))).all()
        assert [(p.booking_id, p.kind, p.url) for p in proofs] == [(ids[0], "link", gallery)]


async def test_a_photo_sent_as_proof_is_kept_and_shown_to_the_client(
    db: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    """The provider sends the photo itself (not a link): checked, stored as profile photos
    are, and shown to the client with the confirmation; a video is explained, not kept."""
    now = clock.now()
    earlier = now - timedelta(days=20)
    owner, _, service = await make_provider(db, now)
    client = await make_user(db, now)
    booking_id = await request(db, earlier, client, service, date(2026, 5, 2))  # took place
    await drive_to(db, booking_id, S.CONFIRMED, owner=owner, now=earlier)
    await link_provider(db, owner, "p:photo-proof", now)
    store = LocalPhotoStore(tmp_path / "photos")
    deps = Deps(nlu=BuiltinParser(), photos=store, public_url="https://mounasabet.test")
    provider = Chat(build_engine(PROVIDER_APP, db, deps, clock), "p:photo-proof", language="fr")
    await provider.send("/bookings")
    await provider.click(f"bk:{booking_id}")
    await provider.click("dlv")
    await provider.deliver(replace(provider.inbound(), attachment="video"))
    assert (await booking_row(db, booking_id)).state == "confirmed"
    await provider.deliver(replace(provider.inbound(), photo=picture()))
    assert (await booking_row(db, booking_id)).state == "delivered"
    async with db() as uow:
        [proof] = (await uow.session.scalars(select(DeliveryProof))).all()
        kind, url = proof.kind, proof.url
    assert kind == "photo" and url.startswith("https://mounasabet.test/photos/p")
    assert store.path(url.rsplit("/", 1)[1]) is not None  # the file the route serves
    [news] = await news_for(db, "booking_delivered", client)
    assert news.photos == (url,)


# ---- earnings --------------------------------------------------------------------------------


async def pay_deposit(
    uows: UnitOfWorkFactory, payments: Payments, booking_id: int, at: datetime
) -> None:
    async with uows() as uow:
        link = await deposit_link(uow, payments.gateway, booking_id, at)
        await uow.commit()
    event = GatewayEvent(
        f"evt_{booking_id}",
        "checkout.session.completed",
        {
            "id": link.id,
            "object": "checkout.session",
            "payment_status": "paid",
            "payment_intent": f"pi_{booking_id}",
            "metadata": {"booking_id": str(booking_id)},
        },
    )
    async with uows() as uow:
        await handle_gateway_event(uow, payments, event, now=at)
        await uow.commit()


async def test_earnings_this_month_and_last_month(
    db: UnitOfWorkFactory, clock: FixedClock, payments: Payments
) -> None:
    now = clock.now()  # May 2026
    april = now - timedelta(days=20)
    owner, _, service = await make_provider(db, now, capacity=5)
    client = await make_user(db, now)
    provider_actor = Actor(Role.PROVIDER, owner)
    paid_in = [(april, date(2026, 6, 1)), (now, date(2026, 6, 2)), (now, date(2026, 6, 3))]
    for at, day in paid_in:
        booking_id = await request(db, at, client, service, day)
        await act(db, booking_id, Action.ACCEPT, provider_actor, now=at)
        await pay_deposit(db, payments, booking_id, at)
    await request(db, now, client, service, date(2026, 6, 4))  # unpaid: counts nowhere

    provider = await linked(db, clock, owner, "p:money", pay=payments)
    await provider.send("/earnings")
    text = provider.last.text
    deposit = 150_000  # 30 % of 5 000 MAD

    def section(title: str) -> str:
        start = text.index(title)
        end = text.find("\n\n", start)
        return text[start:] if end == -1 else text[start:end]

    this_month = section(FR("This month ({month})", month=FR.date(date(2026, 5, 1), "MMMM y")))
    last_month = section(FR("Last month ({month})", month=FR.date(date(2026, 4, 1), "MMMM y")))
    for part, paid in ((this_month, 2 * deposit), (last_month, deposit)):
        commission = paid // 10  # 10 % of what was kept, per booking
        assert f"{FR('Received from clients')}: {FR.money(paid)}" in part
        assert f"{FR('of which deposits')}: {FR.money(paid)}" in part
        assert f"{FR('Mounasabet' + chr(39) + 's commission')}: {FR.money(commission)}" in part
        assert f"{FR('Your share')}: {FR.money(paid - commission)}" in part
    due = FR("Balance still due from clients on your bookings") + ": " + FR.money(3 * 350_000)
    assert due in text
    await provider.click("nav:back")
    assert await provider.position() == "phome:home"


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
