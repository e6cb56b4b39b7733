"""A provider's counter-proposals to requests, and the proof they give of a delivery."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, MinorUnits


class BookingProposal(Base):
    """Another date and/or total the provider offers for a request; the client answers.

    A row, not a booking state: the request keeps its own date, price and slot until the
    client accepts (core/booking/proposals.py), and several proposals can follow one
    another (each new one supersedes the pending one).
    """

    __tablename__ = "booking_proposals"
    __table_args__ = (
        Index("ix_booking_proposals_booking", "booking_id", "status"),
        CheckConstraint(
            "to_date <> from_date OR to_total_minor <> from_total_minor",
            name="proposes_something",
        ),
        CheckConstraint("to_total_minor > 0", name="total_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The terms when proposed and the terms offered (kept: the booking changes after).
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date] = mapped_column(Date)
    from_total_minor: Mapped[int] = mapped_column(MinorUnits)
    to_total_minor: Mapped[int] = mapped_column(MinorUnits)
    currency: Mapped[str] = mapped_column(String(3))
    # The provider's words to the client about the change, if any (shown as typed).
    note: Mapped[str | None] = mapped_column(Text)
    # The client's words when refusing them, if any (sent to the provider).
    answer_note: Mapped[str | None] = mapped_column(Text)
    # pending (while the request waits) | accepted | refused | superseded (a newer one)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class DeliveryProof(Base):
    """What the provider showed when marking a booking delivered: a photo or a link."""

    __tablename__ = "delivery_proofs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # photo | link
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
