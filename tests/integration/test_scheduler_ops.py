"""Issue 15: the support, balance and digest sweeps with a controlled clock, run twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core.booking.states import BookingState
from core.clock import FixedClock
from core.db.tables import Flag, OutboxMessage, TicketMessage, User
from core.notifications.outbox import deliver_due
from core.settings import Settings
from core.support.tickets import open_ticket
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from payments.setup import build_payments
from tests.integration.test_scheduler_timeline import offline_payments
from tests.support.bookings import drive_to, request
from tests.support.factories import make_provider, make_user
from tests.support.payments import free_port
from tests.support.sweeps import messages, sweep

MINUTE = timedelta(minutes=1)


async def flags(uows: UnitOfWorkFactory) -> list[tuple[str, str, str]]:
    async with uows() as uow:
        rows = (await uow.session.scalars(select(Flag).order_by(Flag.id))).all()
        return [(f.kind, f.subject_type, f.subject_id) for f in rows]


async def ticket(uows: UnitOfWorkFactory, user: int, now: datetime) -> int:
    async with uows() as uow:
        opened = await open_ticket(
            uow, user_id=user, subject="Photos", body="Où sont-elles ?", now=now
        )
        await uow.commit()
        return opened.id


async def test_a_ticket_unanswered_for_four_hours_raises_one_flag(uows: UnitOfWorkFactory) -> None:
    start = datetime(2026, 3, 21, 23, 0, tzinfo=UTC)
    client = await make_user(uows, start)
    waiting = await ticket(uows, client, start)
    answered = await ticket(uows, client, start)
    async with uows() as uow:
        uow.session.add(
            TicketMessage(ticket_id=answered, author_role="admin", body="On regarde.", at=start)
        )
        await uow.commit()
    assert await sweep(uows, "ticket-sla", start + timedelta(hours=4) - MINUTE) == {"flagged": 0}
    assert await sweep(uows, "ticket-sla", start + timedelta(hours=4)) == {"flagged": 1}
    assert await sweep(uows, "ticket-sla", start + timedelta(hours=9)) == {"flagged": 0}
    assert await flags(uows) == [("ticket_sla", "ticket", str(waiting))]


async def test_an_unpaid_balance_is_reminded_three_times_then_flagged_once(
    uows: UnitOfWorkFactory,
) -> None:
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    owner, _, service = await make_provider(uows, start)
    client = await make_user(uows, start)
    booking_id = await request(uows, start, client, service, date(2026, 6, 13))
    await drive_to(uows, booking_id, BookingState.PAYMENT_DUE, owner=owner, now=start)
    payments = offline_payments()
    results = []
    for day in range(1, 6):
        now = start + timedelta(days=day)
        results.append(await sweep(uows, "balance-reminders", now, payments=payments))
        assert await sweep(uows, "balance-reminders", now, payments=payments) == {
            "reminded": 0,
            "flagged": 0,
        }
    assert results == [
        {"reminded": 1, "flagged": 0},
        {"reminded": 1, "flagged": 0},
        {"reminded": 1, "flagged": 0},
        {"reminded": 0, "flagged": 1},  # a day after the last reminder
        {"reminded": 0, "flagged": 0},
    ]
    assert len(await messages(uows, "balance_reminder")) == 3
    assert await flags(uows) == [("balance_unpaid", "booking", str(booking_id))]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


async def test_the_daily_digest_reaches_each_admin_once_by_email(
    uows: UnitOfWorkFactory, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    # 7:00 in Casablanca on 15 March 2027 is 06:00 UTC (UTC+1 since the day before).
    due = datetime(2027, 3, 15, 6, 0, tzinfo=UTC)
    _, _, service = await make_provider(uows, due - timedelta(days=2))
    client = await make_user(uows, due - timedelta(days=2))
    await request(uows, due - timedelta(hours=3), client, service, date(2027, 4, 10))
    await request(uows, due - timedelta(days=2), client, service, date(2027, 4, 11))
    async with uows() as uow:
        uow.session.add(
            User(
                role="admin",
                display_name="Admin",
                locale="fr",
                email="ops@mounasabet.test",
                created_at=due,
            )
        )
        uow.session.add(User(role="admin", display_name="No mail", locale="fr", created_at=due))
        await uow.commit()
    await ticket(uows, client, due - timedelta(hours=1))

    assert await sweep(uows, "admin-digest", due - MINUTE) == {"sent": 0}
    assert await sweep(uows, "admin-digest", due) == {"sent": 1}
    assert await sweep(uows, "admin-digest", due + timedelta(hours=5)) == {"sent": 0}
    async with uows() as uow:
        digest = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "admin_digest")
        )
        assert digest is not None
        figures = digest.payload["figures"]
    assert (figures["requested"], figures["tickets_opened"], figures["tickets_open"]) == (1, 1, 1)

    settings = Settings(smtp_url=f"smtp://127.0.0.1:{port}", database_url="sqlite://")
    pay = build_payments(settings, uows, FixedClock(due), translator)
    try:
        assert pay.email is not None
        assert await deliver_due(uows, pay.email, now=due) == 1
    finally:
        await pay.close()
    [mail] = box.messages
    assert mail["To"] == "ops@mounasabet.test"
    assert "Résumé quotidien Mounasabet" in str(mail["Subject"])
    body = mail.get_body().get_content()  # type: ignore[attr-defined]
    assert "Nouvelles demandes de réservation: 1" in body
    assert "Tickets ouverts: 1" in body
    # The next day's digest is another one.
    assert await sweep(uows, "admin-digest", due + timedelta(days=1)) == {"sent": 1}
