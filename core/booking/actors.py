"""Who is acting, and the ownership checks every command makes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.states import Role
from core.db.tables import Booking, Provider, User, UserRole
from core.errors import NotAllowed, NotFound


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    user_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(Role.SYSTEM)


async def check_owns_booking(session: AsyncSession, actor: Actor, booking: Booking) -> None:
    """A forged button names any booking: make sure this actor may touch this one."""
    if actor.role is Role.SYSTEM:
        return
    if actor.user_id is None:
        raise NotAllowed("not_your_booking")
    if actor.role is Role.CLIENT and booking.client_id == actor.user_id:
        return
    if actor.role is Role.PROVIDER:
        provider = await session.get(Provider, booking.provider_id)
        if provider is not None and provider.user_id == actor.user_id:
            return
    if actor.role is Role.ADMIN:
        user = await session.get(User, actor.user_id)
        if user is not None and user.role == UserRole.ADMIN.value:
            return
    raise NotAllowed("not_your_booking")


async def get_booking(session: AsyncSession, booking_id: int, *, lock: bool = False) -> Booking:
    if lock:
        # Read again under the lock even if this session loaded it before: the checks that
        # follow must see what the lock protects, not what was true before another
        # commit. This session's own changes are flushed first, so they are kept.
        await session.flush()
    booking = await session.get(Booking, booking_id, with_for_update=lock, populate_existing=lock)
    if booking is None:
        raise NotFound("booking_not_found", booking_id=booking_id)
    return booking
