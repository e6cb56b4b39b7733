"""Money: payment attempts, refunds, invoices with gapless numbers, the ledger, customers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, MinorUnits


class Payment(Base):
    """One attempt to take money for a booking: a Checkout link or an off-session charge."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_booking_kind", "booking_id", "kind", "status"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refund_within_amount"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    kind: Mapped[str] = mapped_column(String(16))  # deposit | balance
    attempt: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    currency: Mapped[str] = mapped_column(String(3))
    # pending | paid | failed | expired | superseded | refunded (in full) | cancelled (the
    # booking dropped the link, or its making was cut short; the gateway is yet to expire
    # it: core/payments/checkout_expiry.py, unfinished_links.py)
    status: Mapped[str] = mapped_column(String(16))
    gateway: Mapped[str] = mapped_column(String(16))
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    checkout_expires_at: Mapped[datetime | None]
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    customer_id: Mapped[str | None] = mapped_column(String(255))
    payment_method_id: Mapped[str | None] = mapped_column(String(255))
    refunded_minor: Mapped[int] = mapped_column(MinorUnits, default=0)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Refund(Base):
    """Money sent back through the gateway; pending until the gateway accepts it."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # pending | succeeded | failed
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # False for money that never counted as paid (a payment that came after the deadline).
    counts_for_booking: Mapped[bool] = mapped_column(default=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InvoiceCounter(Base):
    """The last invoice number of a year; locked while a number is taken, so none is skipped."""

    __tablename__ = "invoice_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    """An invoice for one payment, numbered MSB-<year>-<sequence> without gaps."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    total_minor: Mapped[int] = mapped_column(MinorUnits)
    paid_to_date_minor: Mapped[int] = mapped_column(MinorUnits)
    balance_due_minor: Mapped[int] = mapped_column(MinorUnits)
    # Everything printed, frozen at issue: the document never changes afterwards.
    data: Mapped[dict[str, Any]]
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class CreditNoteCounter(Base):
    """The last credit note number of a year: a series of its own, gapless as invoices'."""

    __tablename__ = "credit_note_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class CreditNote(Base):
    """A refund's credit note, numbered MSB-AV-<year>-<sequence>, against one invoice."""

    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id"), unique=True)
    locale: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    # Everything printed, frozen at issue, as an invoice's.
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class LedgerEntry(Base):
    """The money journal: payments in, refunds out, payouts to providers."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_at", "at", "kind"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # payment-<id> | refund-<id> | payout-<booking id>: writing one twice is refused.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # payment | refund | payout
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    currency: Mapped[str] = mapped_column(String(3))
    # payouts: owed | paid_via_connect; payments and refunds: settled
    status: Mapped[str] = mapped_column(String(24))
    commission_bp: Mapped[int | None] = mapped_column(Integer)
    commission_minor: Mapped[int | None] = mapped_column(MinorUnits)
    external_id: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime]
    # The last time a failed payout transfer was tried again (core/payments/payout_retry.py).
    retried_at: Mapped[datetime | None]
    # Payouts: bumped when Stripe refused the transfer, so the next try has a new
    # idempotency key (payout_key); Stripe answers a known key with its first answer.
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StripeCustomer(Base):
    """The gateway's customer for one of our users: one per client and gateway."""

    __tablename__ = "stripe_customers"
    __table_args__ = (UniqueConstraint("user_id", "gateway"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    gateway: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
