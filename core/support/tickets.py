"""Support tickets and flags: the tables later issues (support, admin) build on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.db.tables import Flag, Ticket, TicketMessage
from core.errors import InvalidValue
from core.redaction import redact
from core.uow import UnitOfWork

MAX_BODY = 4000


async def open_ticket(
    uow: UnitOfWork,
    *,
    user_id: int,
    subject: str,
    body: str,
    now: datetime,
    booking_id: int | None = None,
    author_role: str = "client",
) -> Ticket:
    """A ticket for ``user_id``; its first message is theirs, or the system's on their behalf."""
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise InvalidValue("ticket_empty")
    ticket = Ticket(
        user_id=user_id,
        booking_id=booking_id,
        subject=subject[:200],
        status="open",
        created_at=now,
        updated_at=now,
    )
    uow.session.add(ticket)
    await uow.session.flush()
    uow.session.add(
        TicketMessage(
            ticket_id=ticket.id,
            author_id=user_id if author_role == "client" else None,
            author_role=author_role,
            body=body[:MAX_BODY],
            at=now,
        )
    )
    return ticket


def raise_flag(
    uow: UnitOfWork,
    *,
    kind: str,
    subject_type: str,
    subject_id: str | int,
    now: datetime,
    details: dict[str, Any] | None = None,
    severity: str = "warning",
) -> Flag:
    flag = Flag(
        kind=kind,
        severity=severity,
        subject_type=subject_type,
        subject_id=str(subject_id),
        # Details often quote an upstream error, which may quote a URL with a token in it.
        details={k: redact(v) if isinstance(v, str) else v for k, v in (details or {}).items()},
        created_at=now,
    )
    uow.session.add(flag)
    return flag
