"""What a support notification needs, loaded in one go for the renderer (dialogs read no
tables): the recipient's language, the ticket as it is now, and our message if any."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.db.tables import Ticket, TicketMessage, User
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class TicketNews:
    locale: str
    ticket_id: int
    status: str
    message: str | None  # the body of our answer, for a reply


async def ticket_news(
    uow: UnitOfWork, *, user_id: int, ticket_id: Any, message_id: Any = None
) -> TicketNews | None:
    """None when the recipient, the ticket or the message asked for is gone."""
    session = uow.session
    user = await session.get(User, user_id)
    ticket = await session.get(Ticket, ticket_id or 0)
    if user is None or ticket is None:
        return None
    body = None
    if message_id is not None:
        message = await session.get(TicketMessage, message_id or 0)
        if message is None:
            return None
        body = message.body
    return TicketNews(user.locale, ticket.id, ticket.status, body)
