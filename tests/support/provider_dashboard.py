"""Arrange code of the issue 13 tests (tests/integration/issue_13_provider_dashboard/): the
provider's and the client's chats through the dialog engine, the rows they change, and a
deposit paid through the offline gateway."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import Booking, BookingProposal, SlotHold, User
from core.payments.checkout_links import deposit_link
from core.payments.events import handle_gateway_event
from core.payments.ports import GatewayEvent, Payments
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_engine
from dialogs.client.app import CLIENT_APP
from dialogs.framework.context import Deps
from dialogs.i18n.translator import translator
from dialogs.nlu.builtin import BuiltinParser
from dialogs.provider.app import PROVIDER_APP
from tests.support.chat import Chat, link_provider

FR, AR, EN = translator("fr"), translator("ar"), translator("en")
DAY, NEW_DAY = date(2026, 6, 14), date(2026, 6, 20)
PRICE = 500_000  # the factories' service: 5 000 MAD, 30 % deposit


class Links:
    def invoice_url(self, invoice_id: int, *, now: datetime) -> str:
        return f"http://test/invoices/{invoice_id}.pdf"

    def credit_note_url(self, credit_note_id: int, *, now: datetime) -> str:
        return f"http://test/credit-notes/{credit_note_id}.pdf"


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


async def propose_from_dashboard(
    provider: Chat, booking_id: int, day: str, total: str, note: str | None = None
) -> None:
    await provider.send("/bookings")
    await provider.click(f"bk:{booking_id}")
    await provider.click("pro")
    await provider.send(day)
    await provider.send(total)
    await (provider.send(note) if note else provider.click("skip"))
    await provider.click("send")


async def pay_deposit(
    uows: UnitOfWorkFactory, payments: Payments, booking_id: int, at: datetime
) -> None:
    link = await deposit_link(uows, payments.gateway, booking_id, at)
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
