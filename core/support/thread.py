"""Support tickets seen from the user's side: their list, their messages, their rating."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.db.tables import Ticket, TicketMessage
from core.errors import IllegalTransition, InvalidValue, NotAllowed, NotFound
from core.support.tickets import MAX_BODY
from core.uow import UnitOfWork

MAX_LISTED = 10


async def own_ticket(uow: UnitOfWork, ticket_id: int, user_id: int) -> Ticket:
    """A ticket button can be forged: only its author may see or add to it."""
    ticket = await uow.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("ticket_not_found", ticket_id=ticket_id)
    if ticket.user_id != user_id:
        raise NotAllowed("not_your_ticket")
    return ticket


async def user_tickets(uow: UnitOfWork, user_id: int, audience: str) -> list[Ticket]:
    return list(
        (
            await uow.session.scalars(
                select(Ticket)
                .where(Ticket.user_id == user_id, Ticket.audience == audience)
                .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
                .limit(MAX_LISTED)
            )
        ).all()
    )


async def add_user_message(
    uow: UnitOfWork, ticket_id: int, user_id: int, body: str, *, now: datetime
) -> Ticket:
    """The user's words join their open ticket; a closed one takes no more."""
    body = body.strip()
    if not body:
        raise InvalidValue("ticket_empty")
    ticket = await own_ticket(uow, ticket_id, user_id)
    if ticket.status == "closed":
        raise IllegalTransition("ticket_closed", ticket_id=ticket_id)
    uow.session.add(
        TicketMessage(
            ticket_id=ticket.id,
            author_id=user_id,
            author_role="client",
            body=body[:MAX_BODY],
            at=now,
        )
    )
    # Back in the admins' queue: the last word is the user's.
    ticket.status, ticket.updated_at = "open", now
    return ticket


async def rate_ticket(
    uow: UnitOfWork, ticket_id: int, user_id: int, stars: int, *, now: datetime
) -> Ticket:
    if not 1 <= stars <= 5:
        raise InvalidValue("rating_out_of_range", stars=stars)
    ticket = await own_ticket(uow, ticket_id, user_id)
    if ticket.status != "closed":
        raise IllegalTransition("ticket_not_closed", ticket_id=ticket_id, status=ticket.status)
    ticket.rating, ticket.updated_at = stars, now
    return ticket
