"""Reviews: a completed booking's client rates it once; its provider replies once.

The provider's rating (``rating_sum``, ``rating_count`` and the sortable ``rating_x100``)
moves in the same transaction as the review, by one UPDATE that adds to the stored
figures, so two reviews of one provider committed side by side both count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.actors import Actor, check_owns_booking, get_booking
from core.booking.states import BookingState, Role
from core.db.tables import Booking, Provider, User
from core.db.tables_reviews import COMMENT_MAX, REPLY_MAX, Review
from core.errors import IllegalTransition, InvalidValue, NotAllowed, NotFound
from core.notifications.outbox import enqueue
from core.uow import UnitOfWork

STARS = range(1, 6)


def public_author(display_name: str) -> str:
    """How a reviewer is named in public: the first name and the last name's initial."""
    words = display_name.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][:40]
    return f"{words[0][:40]} {words[-1][0]}."


async def reviewable_booking(uow: UnitOfWork, booking_id: int, client_id: int) -> Booking:
    """The booking, if this client may review it now: theirs, completed, not yet reviewed
    (a button can be forged to name any booking, or pressed again after the review)."""
    booking = await get_booking(uow.session, booking_id)
    await check_owns_booking(uow.session, Actor(Role.CLIENT, client_id), booking)
    if booking.state != BookingState.COMPLETED.value:
        raise IllegalTransition("review_not_completed", state=booking.state)
    if await review_of_booking(uow.session, booking.id) is not None:
        raise IllegalTransition("review_already_given", booking_id=booking.id)
    return booking


async def review_of_booking(session: AsyncSession, booking_id: int) -> Review | None:
    return await session.scalar(select(Review).where(Review.booking_id == booking_id))


async def submit_review(
    uow: UnitOfWork,
    *,
    booking_id: int,
    client_id: int,
    stars: int,
    comment: str,
    now: datetime,
) -> Review:
    """Write the review, count it in the provider's rating, and tell the provider."""
    if stars not in STARS:
        raise InvalidValue("rating_out_of_range", stars=stars)
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidValue("review_comment_too_long", max=COMMENT_MAX)
    # Under the booking's lock a twin attempt waits, then finds the review; the unique
    # booking_id is the last word where a database does not lock rows.
    await get_booking(uow.session, booking_id, lock=True)
    booking = await reviewable_booking(uow, booking_id, client_id)
    client = await uow.session.get(User, client_id)
    review = Review(
        booking_id=booking.id,
        provider_id=booking.provider_id,
        client_id=client_id,
        stars=stars,
        comment=comment,
        author=public_author(client.display_name if client else ""),
        created_at=now,
    )
    uow.session.add(review)
    await uow.session.flush()
    count = Provider.rating_count + 1
    total = Provider.rating_sum + stars
    await uow.session.execute(
        update(Provider)
        .where(Provider.id == booking.provider_id)
        .values(
            rating_sum=total,
            rating_count=count,
            # The average times 100, rounded half up, in integers on every database.
            rating_x100=(total * 200 + count) // (count * 2),
        )
        .execution_options(synchronize_session=False)
    )
    provider = await uow.session.get(Provider, booking.provider_id)
    if provider is not None:
        enqueue(
            uow.session,
            kind="review_posted",
            user_id=provider.user_id,
            now=now,
            payload={"review_id": review.id, "booking_id": booking.id, "audience": "provider"},
        )
    return review


async def answerable_review(uow: UnitOfWork, review_id: int, provider_user_id: int) -> Review:
    """The review, if this provider's account may reply to it now (once)."""
    review = await uow.session.get(Review, review_id)
    if review is None:
        raise NotFound("review_not_found", review_id=review_id)
    provider = await uow.session.get(Provider, review.provider_id)
    if provider is None or provider.user_id != provider_user_id:
        raise NotAllowed("not_your_review")
    if review.reply is not None:
        raise IllegalTransition("review_already_answered", review_id=review_id)
    return review


async def reply_to_review(
    uow: UnitOfWork, review_id: int, provider_user_id: int, text: str, *, now: datetime
) -> Review:
    """The provider's one public reply; the client hears of it."""
    text = text.strip()
    if not text:
        raise InvalidValue("review_reply_empty")
    if len(text) > REPLY_MAX:
        raise InvalidValue("review_reply_too_long", max=REPLY_MAX)
    review = await answerable_review(uow, review_id, provider_user_id)
    # Written only where none is yet: of two replies sent together, one is kept.
    written = await uow.session.execute(
        update(Review)
        .where(Review.id == review.id, Review.reply.is_(None))
        .values(reply=text, replied_at=now)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        raise IllegalTransition("review_already_answered", review_id=review_id)
    await uow.session.refresh(review)
    enqueue(
        uow.session,
        kind="review_replied",
        user_id=review.client_id,
        now=now,
        payload={"review_id": review.id, "booking_id": review.booking_id, "audience": "client"},
    )
    return review
