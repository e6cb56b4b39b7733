"""Clients' reviews of their completed bookings, and the provider's one reply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId

COMMENT_MAX = 500  # a short comment: read on a phone, under the stars
REPLY_MAX = 500


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        # The provider page lists the latest reviews of one provider.
        Index("ix_reviews_provider_created", "provider_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # One review per booking: the database, not the dialog, has the last word.
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(COMMENT_MAX), default="")
    # As shown in public ("Nadia B."), taken when the review is written.
    author: Mapped[str] = mapped_column(String(80), default="")
    reply: Mapped[str | None] = mapped_column(String(REPLY_MAX))
    replied_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
