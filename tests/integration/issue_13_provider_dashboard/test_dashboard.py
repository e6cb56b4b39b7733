"""Issue 13: the provider's bookings dashboard and their earnings.

Driven through the dialog engine (the provider bot, as the sandbox drives it) on real
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_timedelta
from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import Ticket
from core.payments.ports import Payments
from core.uow import UnitOfWorkFactory
from dialogs.provider.dashboard import SECTION_TITLES
from tests.support.bookings import S, act, drive_to, request
from tests.support.factories import make_provider, make_user
from tests.support.provider_dashboard import (
    DAY,
    FR,
    linked,
    pay_deposit,
)

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


async def test_a_booking_s_card_opens_a_ticket_about_it(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Help with this booking, on the provider's card: support's message, the booking
    already chosen; Back is the card; the ticket names the booking."""
    owner, _, service = await make_provider(db, clock.now())
    client = await make_user(db, clock.now())
    booking_id = await request(db, clock.now(), client, service, DAY)
    provider = await linked(db, clock, owner, "p:help")
    await provider.send("/start")
    await provider.press(f"g|pbk:{booking_id}")  # as under its news
    await provider.click("help")
    assert await provider.position() == "support:message"
    await provider.click("nav:back")
    assert await provider.position() == "pdash:booking"
    await provider.click("help")
    await provider.send("Le client demande une facture au nom de sa société")
    assert FR("Ticket #{n} is open. Our team will answer you here.", n=1) in provider.text
    async with db() as uow:
        about = (await uow.session.execute(select(Ticket.booking_id, Ticket.category))).all()
    assert about == [(booking_id, "booking")]


# ---- earnings --------------------------------------------------------------------------------


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
