"""What is shown of reviews: the latest of a provider (chat profile, site page), and what
a review's news needs, loaded in one go for the renderer (dialogs read no tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.states import BookingState
from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import Booking, Provider, ProviderStatus, User
from core.db.tables_reviews import Review
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """One review as the public sees it; no ORM object inside."""

    stars: int
    comment: str
    author: str  # "Nadia B.", or "" when the client gave no name
    created_at: datetime
    reply: str | None
    replied_at: datetime | None

    @property
    def day(self) -> date:
        """The day it was written, on the market's calendar."""
        return self.created_at.astimezone(MARKET_TZ).date()


async def latest_reviews(
    session: AsyncSession, provider_id: int, *, limit: int
) -> tuple[ReviewLine, ...]:
    """The provider's latest reviews, newest first."""
    rows = await session.scalars(
        select(Review)
        .where(Review.provider_id == provider_id)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(limit)
    )
    return tuple(
        ReviewLine(r.stars, r.comment, r.author, r.created_at, r.reply, r.replied_at) for r in rows
    )


@dataclass(frozen=True, slots=True)
class ReviewNews:
    """A review request, or the news of a review or of its reply, as it stands now."""

    locale: str
    booking_id: int
    reference: str
    provider_name: dict[str, Any]
    completed: bool
    review_id: int | None  # None: not reviewed yet
    stars: int | None
    comment: str
    reply: str | None


async def review_news(uow: UnitOfWork, *, user_id: int, booking_id: Any) -> ReviewNews | None:
    """None when the recipient or the booking is gone (``booking_id`` comes from a stored
    payload: anything that names no booking is simply not found)."""
    session = uow.session
    user = await session.get(User, user_id)
    booking = await session.get(Booking, booking_id or 0)
    if user is None or booking is None:
        return None
    provider = await session.get(Provider, booking.provider_id)
    review = await session.scalar(select(Review).where(Review.booking_id == booking.id))
    return ReviewNews(
        locale=user.locale,
        booking_id=booking.id,
        reference=booking.reference,
        provider_name=dict(provider.name) if provider else {},
        completed=booking.state == BookingState.COMPLETED.value,
        review_id=review.id if review else None,
        stars=review.stars if review else None,
        comment=review.comment if review else "",
        reply=review.reply if review else None,
    )


@dataclass(frozen=True, slots=True)
class PublicReview:
    """A review with the provider it is about, for the landing page."""

    slug: str
    provider_name: dict[str, Any]
    review: ReviewLine


async def latest_public_reviews(session: AsyncSession, *, limit: int) -> tuple[PublicReview, ...]:
    """The latest reviews with a comment, of active providers, newest first."""
    rows = await session.execute(
        select(Review, Provider.slug, Provider.name)
        .join(Provider, Provider.id == Review.provider_id)
        .where(Provider.status == ProviderStatus.ACTIVE.value, Review.comment != "")
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(limit)
    )
    return tuple(
        PublicReview(
            slug,
            dict(name),
            ReviewLine(r.stars, r.comment, r.author, r.created_at, r.reply, r.replied_at),
        )
        for r, slug, name in rows
    )
