"""Operational tables: outbox, processed inbound events, conversations, tickets, flags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import ColumnElement

from core.db.base import Base, BigId

# The outbox's messages still to send (pending, held, or sending: its lease may run out),
# as the SQL of a partial index's condition, which the worker's claim states word for word
# (`Waiting`): a database uses a partial index for a query whose own condition says so.
WAITING = "status IN ('pending', 'held', 'sending')"
# On SQLite with a unary plus, SQLite's documented way to keep a term from using an index:
# without statistics its planner takes ix_outbox_due for the claim (an equality on its
# first column) and sorts every waiting message rather than read ix_outbox_waiting's head.
WAITING_SQLITE = "+" + WAITING


class Waiting(ColumnElement[bool]):
    """The condition of ix_outbox_waiting, in each database's words. Of no SQL type: a
    Boolean one would be written "... = 1" on SQLite, which is no longer the index's. No
    state of its own: its class is its whole cache key (without one, SQLAlchemy compiled
    the worker's claim again for every message)."""

    _traverse_internals = []  # noqa: RUF012  (SQLAlchemy reads it from the class)
    inherit_cache = True


@compiles(Waiting)
def _waiting(_element: Waiting, _compiler: Any, **_kw: Any) -> str:
    return WAITING


@compiles(Waiting, "sqlite")
def _waiting_on_sqlite(_element: Waiting, _compiler: Any, **_kw: Any) -> str:
    return WAITING_SQLITE


class OutboxMessage(Base):
    """A message to deliver, written in the same transaction as the change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # The waiting messages in the order the worker takes them: the next one is the
        # index's first that is due, where a sort of every waiting message cost 0.5 ms a
        # claim with 600 waiting (bench/README.md, "Telegram webhook").
        Index(
            "ix_outbox_waiting",
            "next_attempt_at",
            "id",
            sqlite_where=text(WAITING_SQLITE),
            postgresql_where=text(WAITING),
        ),
        UniqueConstraint("dedupe_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str | None] = mapped_column(String(32))  # None: the user's own choice
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    dedupe_key: Mapped[str | None] = mapped_column(String(128))
    external_id: Mapped[str | None] = mapped_column(String(64), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    # What the channel later reported (Twilio: queued, sent, delivered, read, failed, ...).
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    delivery_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # The request or update that queued it (core/tracing.py): its id in the send's log line.
    trace_id: Mapped[str | None] = mapped_column(String(64))
    # Held news was released while this message's attempt was under way: if the attempt
    # finds nobody to reach, the message is due again at once rather than held.
    released: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ProcessedEvent(Base):
    """An inbound event already handled; the unique key makes handling happen once."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    processed_at: Mapped[datetime]


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    # What it is about (core.support.tickets.TicketCategory): admins sort their queue by it.
    category: Mapped[str] = mapped_column(String(16), default="other", server_default="other")
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Which bot the user wrote from ("client" or "provider"): replies go back there.
    audience: Mapped[str] = mapped_column(String(16), default="client", server_default="client")
    assignee: Mapped[str | None] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5, given once it is closed
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TicketMessage(Base):
    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_role: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class Flag(Base):
    """Something suspicious or failing that an admin should look at."""

    __tablename__ = "flags"
    __table_args__ = (
        Index("ix_flags_open", "resolved_at", "created_at"),
        Index("ix_flags_subject", "kind", "subject_type", "subject_id"),
        # One open flag per cause and subject, also when two processes raise it at once
        # (core/support/flag_merge.py inserts a first flag with ON CONFLICT DO NOTHING).
        Index(
            "uq_flags_open_subject",
            "kind",
            "subject_type",
            "subject_id",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    severity: Mapped[str] = mapped_column(String(8), default="warning")
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]]
    # One open flag per cause and subject: a repeat bumps these (core/support/flag_merge.py).
    occurrences: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)  # the resolver's
    resolved_by: Mapped[str | None] = mapped_column(String(64))
