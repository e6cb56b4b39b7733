"""Bookings, the seats they hold, and the audit trail of their transitions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.booking.states import BookingState
from core.db.base import Base, BigId, MinorUnits


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_provider_state", "provider_id", "state"),
        Index("ix_bookings_client", "client_id", "created_at"),
        Index("ix_bookings_state_expires", "state", "expires_at"),
        Index("ix_bookings_created_at", "created_at"),  # the admin dashboard's 30 days
        CheckConstraint("refunded_minor <= paid_minor", name="refund_within_paid"),
        CheckConstraint("paid_minor >= 0 AND refunded_minor >= 0", name="amounts_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    # Stored as the enum's values in a plain VARCHAR(16), as before: no migration, no
    # database enum type to alter when a state is added.
    state: Mapped[BookingState] = mapped_column(
        Enum(
            BookingState,
            native_enum=False,
            create_constraint=False,
            length=16,
            values_callable=lambda states: [s.value for s in states],
        )
    )
    event_type: Mapped[str] = mapped_column(String(32))
    event_date: Mapped[date] = mapped_column(Date)  # local day the event starts on
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    guests: Mapped[int | None] = mapped_column(Integer)
    city: Mapped[str] = mapped_column(String(32))
    venue: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(MinorUnits)
    deposit_minor: Mapped[int] = mapped_column(MinorUnits)
    balance_minor: Mapped[int] = mapped_column(MinorUnits)
    quote: Mapped[dict[str, Any]]
    paid_minor: Mapped[int] = mapped_column(MinorUnits, default=0)
    refunded_minor: Mapped[int] = mapped_column(MinorUnits, default=0)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    delivery_confirmed_at: Mapped[datetime | None]
    # The deep link's source that led to this booking (users.source is the first one).
    source: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SlotHold(Base):
    """One seat of a service's daily capacity; the unique key is the double-booking guard."""

    __tablename__ = "slot_holds"
    __table_args__ = (
        UniqueConstraint("service_id", "day", "seat"),
        Index("ix_slot_holds_booking", "booking_id"),
        Index("ix_slot_holds_provider_day", "provider_id", "day"),
        Index("ix_slot_holds_day", "day", "service_id", "provider_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    day: Mapped[date] = mapped_column(Date)
    seat: Mapped[int] = mapped_column(Integer)


class BookingTransition(Base):
    """Audit trail: who moved a booking, when, from where to where, and why."""

    __tablename__ = "booking_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    source: Mapped[str | None] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(24))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
