"""Which booking a support ticket is about: one of the writer's own, as a client (the
bookings they made) or as a provider (the bookings of the business they run).

A ticket's booking is offered from the writer's latest bookings, checked when chosen (a
button can be forged), and found in the text when they typed its reference instead
("my refund for MSB-36E7BXG"), as people copy it from a message.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.queries import BookingLine
from core.booking.request_write import NAMED_REFERENCE, REFERENCE_PREFIX
from core.db.tables import Booking, Provider
from core.uow import UnitOfWork

_B = Booking.__table__.c
_P = Provider.__table__.c
_USER = bindparam("user", type_=Integer)


def _owned(audience: str, statement: Select[Any]) -> Select[Any]:
    """Only the bookings ``audience`` owns: made by the client; of a business the
    provider's user runs."""
    if audience == "provider":
        return statement.join(Provider.__table__, _P.id == _B.provider_id).where(
            _P.user_id == _USER
        )
    return statement.where(_B.client_id == _USER)


async def recent_bookings(
    session: AsyncSession, audience: str, user_id: int, *, limit: int
) -> list[BookingLine]:
    """The user's own bookings as ``audience``, the last one made first."""
    lines = _owned(audience, select(_B.id, _B.reference, _B.event_date, _B.state))
    rows = await session.execute(lines.order_by(_B.id.desc()).limit(limit), {"user": user_id})
    return [BookingLine(r.id, r.reference, r.event_date, r.state) for r in rows]


async def owns_booking(uow: UnitOfWork, audience: str, user_id: int, booking_id: int) -> bool:
    found = _owned(audience, select(_B.id).where(_B.id == booking_id))
    return await uow.session.scalar(found, {"user": user_id}) is not None


async def booking_named_in(uow: UnitOfWork, audience: str, user_id: int, text: str) -> int | None:
    """The user's own booking whose reference ``text`` names (the first one), if any."""
    return await named_booking(uow.session, audience, user_id, text)


async def named_booking(
    session: AsyncSession, audience: str, user_id: int, text: str
) -> int | None:
    """As booking_named_in, on any session (a read-only one: the chat's reads)."""
    named = [REFERENCE_PREFIX + code.upper() for code in NAMED_REFERENCE.findall(text)]
    if not named:
        return None
    found = _owned(audience, select(_B.id, _B.reference).where(_B.reference.in_(named)))
    rows = await session.execute(found, {"user": user_id})
    by_reference = {r.reference: r.id for r in rows}
    return next((by_reference[ref] for ref in named if ref in by_reference), None)
