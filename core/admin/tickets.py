"""Support tickets seen from the admin side: list, read, answer, assign, close, reopen.

Answers and status changes reach the user through the outbox, on the bot they wrote from
(``tickets.audience``); how each channel carries them (WhatsApp's 24-hour window) is the
sender's business, as for any other news.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.admin.audit import Operator, record
from core.admin.paging import Page, iso, one_of
from core.db.tables import Booking, Ticket, TicketMessage, User
from core.errors import IllegalTransition, InvalidValue, NotFound
from core.notifications.outbox import enqueue
from core.support.tickets import MAX_BODY, TicketCategory
from core.uow import UnitOfWork

STATUSES = ("open", "answered", "closed")


def ticket_row(ticket: Ticket, messages: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": ticket.id,
        "status": ticket.status,
        "user_id": ticket.user_id,
        "audience": ticket.audience,
        "booking_id": ticket.booking_id,
        "category": ticket.category,
        "subject": ticket.subject,
        "assignee": ticket.assignee,
        "rating": ticket.rating,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "closed_at": iso(ticket.closed_at),
    }
    if messages is not None:
        row["messages"] = messages
    return row


async def list_tickets(
    uow: UnitOfWork,
    page: Page,
    *,
    status: str | None = None,
    assignee: str | None = None,
    user_id: int | None = None,
    category: str | None = None,
) -> list[dict[str, Any]]:
    counts = (
        select(TicketMessage.ticket_id, func.count().label("n"))
        .group_by(TicketMessage.ticket_id)
        .subquery()
    )
    stmt = select(Ticket, counts.c.n).outerjoin(counts, counts.c.ticket_id == Ticket.id)
    if one_of("status", status, STATUSES):
        stmt = stmt.where(Ticket.status == status)
    if assignee:
        stmt = stmt.where(Ticket.assignee == assignee)
    if user_id is not None:
        stmt = stmt.where(Ticket.user_id == user_id)
    if one_of("category", category, (c.value for c in TicketCategory)):
        stmt = stmt.where(Ticket.category == category)
    columns = {"id": Ticket.id, "created": Ticket.created_at, "updated": Ticket.updated_at}
    stmt = page.apply(stmt, columns, default="updated")
    return [ticket_row(t, n or 0) for t, n in (await uow.session.execute(stmt)).all()]


async def get_ticket(uow: UnitOfWork, ticket_id: int, *, lock: bool = False) -> Ticket:
    ticket = await uow.session.get(Ticket, ticket_id, with_for_update=lock)
    if ticket is None:
        raise NotFound("ticket_not_found", ticket_id=ticket_id)
    return ticket


async def ticket_thread(uow: UnitOfWork, ticket_id: int) -> dict[str, Any]:
    ticket = await get_ticket(uow, ticket_id)
    user = await uow.session.get(User, ticket.user_id)
    messages = (
        await uow.session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket.id)
            .order_by(TicketMessage.id)  # as written (clocks of two processes may differ)
        )
    ).all()
    booking = await uow.session.get(Booking, ticket.booking_id) if ticket.booking_id else None
    return ticket_row(ticket, len(messages)) | {
        "user": {"id": ticket.user_id, "name": user.display_name if user else None},
        # What the user quotes and what the admin needs first: the reference and its state.
        "booking": (
            {"id": booking.id, "reference": booking.reference, "state": booking.state}
            if booking
            else None
        ),
        "thread": [
            {"at": iso(m.at), "author_role": m.author_role, "body": m.body} for m in messages
        ],
    }


def _notify(uow: UnitOfWork, ticket: Ticket, kind: str, now: datetime, **extra: Any) -> None:
    payload: dict[str, Any] = {"ticket_id": ticket.id, "audience": ticket.audience}
    if ticket.booking_id is not None:
        # Lets a WhatsApp template for this kind fill in the booking's reference.
        payload["booking_id"] = ticket.booking_id
    enqueue(uow.session, kind=kind, user_id=ticket.user_id, payload=payload | extra, now=now)


async def reply(
    uow: UnitOfWork, ticket_id: int, body: str, *, by: Operator, now: datetime
) -> TicketMessage:
    """Add our answer to the thread and send it to the user's chat."""
    body = body.strip()
    if not body:
        raise InvalidValue("ticket_empty")
    ticket = await get_ticket(uow, ticket_id, lock=True)
    if ticket.status == "closed":
        raise IllegalTransition("ticket_closed", ticket_id=ticket_id)
    message = TicketMessage(
        ticket_id=ticket.id, author_id=None, author_role="admin", body=body[:MAX_BODY], at=now
    )
    uow.session.add(message)
    await uow.session.flush()
    ticket.status, ticket.updated_at = "answered", now
    _notify(uow, ticket, "ticket_reply", now, message_id=message.id)
    record(uow, by, "tickets.reply", "ticket", ticket.id, now=now, details={"chars": len(body)})
    return message


async def assign(
    uow: UnitOfWork, ticket_id: int, assignee: str | None, *, by: Operator, now: datetime
) -> Ticket:
    ticket = await get_ticket(uow, ticket_id, lock=True)
    before, ticket.assignee, ticket.updated_at = ticket.assignee, assignee or None, now
    record(
        uow,
        by,
        "tickets.assign",
        "ticket",
        ticket.id,
        now=now,
        details={"from": before, "to": ticket.assignee},
    )
    return ticket


async def close(
    uow: UnitOfWork, ticket_id: int, *, by: Operator, now: datetime, reason: str | None = None
) -> Ticket:
    ticket = await get_ticket(uow, ticket_id, lock=True)
    if ticket.status == "closed":
        raise IllegalTransition("ticket_closed", ticket_id=ticket_id)
    ticket.status, ticket.closed_at, ticket.updated_at = "closed", now, now
    _notify(uow, ticket, "ticket_status", now, status="closed")
    record(uow, by, "tickets.close", "ticket", ticket.id, now=now, reason=reason)
    return ticket


async def reopen(
    uow: UnitOfWork, ticket_id: int, *, by: Operator, now: datetime, reason: str | None = None
) -> Ticket:
    ticket = await get_ticket(uow, ticket_id, lock=True)
    if ticket.status != "closed":
        raise IllegalTransition("ticket_not_closed", ticket_id=ticket_id, status=ticket.status)
    ticket.status, ticket.closed_at, ticket.updated_at = "open", None, now
    _notify(uow, ticket, "ticket_status", now, status="open")
    record(uow, by, "tickets.reopen", "ticket", ticket.id, now=now, reason=reason)
    return ticket
