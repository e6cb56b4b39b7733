"""Support tickets and flags: the tables later issues (support, admin) build on."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import Flag, Ticket, TicketMessage
from core.errors import InvalidValue
from core.redaction import redact
from core.support import flag_merge  # noqa: F401 - installs the merge of repeated flags
from core.uow import UnitOfWork

MAX_BODY = 4000


class TicketCategory(StrEnum):
    """What a ticket is about, chosen by the user when they open it."""

    BOOKING = "booking"  # a request, a date, a cancellation
    PAYMENT = "payment"  # a deposit, a balance, a refund, an invoice, a payout
    COMPLAINT = "complaint"  # about the other party: a provider (or a client, for providers)
    ACCOUNT = "account"  # registration, phone, language, anything about the user's account
    OTHER = "other"


async def open_ticket(
    uow: UnitOfWork,
    *,
    user_id: int,
    subject: str,
    body: str,
    now: datetime,
    booking_id: int | None = None,
    author_role: str = "client",
    audience: str = "client",
    category: str = TicketCategory.OTHER,
) -> Ticket:
    """A ticket for ``user_id``; its first message is theirs, or the system's on their behalf."""
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise InvalidValue("ticket_empty")
    if category not in set(TicketCategory):
        raise InvalidValue("ticket_category_unknown", category=category)
    ticket = Ticket(
        user_id=user_id,
        booking_id=booking_id,
        category=category,
        subject=subject[:200],
        status="open",
        audience=audience,
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
    if category == TicketCategory.COMPLAINT:
        # A user reporting the other party: admins see it among the flags too, on the
        # booking when there is one (a second report of it updates the same flag).
        raise_flag(
            uow,
            kind="user_report",
            subject_type="booking" if booking_id else "user",
            subject_id=booking_id or user_id,
            now=now,
            details={"ticket_id": ticket.id, "audience": audience},
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
    return add_flag(
        uow.session,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        now=now,
        details=details,
        severity=severity,
    )


def add_flag(
    session: AsyncSession,
    *,
    kind: str,
    subject_type: str,
    subject_id: str | int,
    now: datetime,
    details: dict[str, Any] | None = None,
    severity: str = "warning",
) -> Flag:
    """``raise_flag`` for code that holds a session (domain event handlers)."""
    flag = Flag(
        kind=kind,
        severity=severity,
        subject_type=subject_type,
        subject_id=str(subject_id),
        # Details often quote an upstream error, which may quote a URL with a token in it.
        details={k: redact(v) if isinstance(v, str) else v for k, v in (details or {}).items()},
        created_at=now,
        updated_at=now,
        occurrences=1,
    )
    # A repeat of an open flag is merged into it at flush (core/support/flag_merge.py).
    session.add(flag)
    return flag
