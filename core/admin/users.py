"""Users seen from the admin side: list, read, block, unblock.

A blocked user's messages run no step (dialogs/framework/engine.py answers them with a polite
refusal), so nothing they send creates anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.admin.audit import Operator, record
from core.admin.paging import Page, iso, one_of
from core.db.tables import Booking, Channel, ChannelIdentity, Ticket, User, UserRole
from core.errors import IllegalTransition, InvalidValue, NotFound
from core.people.users import phone_in
from core.uow import UnitOfWork


def user_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "role": user.role,
        "name": user.display_name,
        "locale": user.locale,
        "phone": user.phone_e164,
        "email": user.email,
        "blocked": user.blocked,
        "source": user.source,
        "created_at": iso(user.created_at),
    }


async def list_users(
    uow: UnitOfWork,
    page: Page,
    *,
    role: str | None = None,
    blocked: bool | None = None,
    channel: str | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    stmt = select(User)
    if one_of("role", role, (r.value for r in UserRole)):
        stmt = stmt.where(User.role == role)
    if blocked is not None:
        stmt = stmt.where(User.blocked.is_(blocked))
    if one_of("channel", channel, (c.value for c in Channel)):
        stmt = stmt.where(
            User.id.in_(select(ChannelIdentity.user_id).where(ChannelIdentity.channel == channel))
        )
    if search:
        pattern = f"%{search.lower()}%"
        found = func.lower(User.display_name).like(pattern) | User.phone_e164.like(f"%{search}%")
        # A phone as the person said it ("06 61 23 45 67"): stored in E.164.
        if (phone := phone_in(search)) is not None:
            found |= User.phone_e164 == phone
        stmt = stmt.where(found)
    columns = {"id": User.id, "created": User.created_at, "name": User.display_name}
    stmt = page.apply(stmt, columns, default="created")
    return [user_row(u) for u in (await uow.session.scalars(stmt)).all()]


async def get_user(uow: UnitOfWork, user_id: int, *, lock: bool = False) -> User:
    user = await uow.session.get(User, user_id, with_for_update=lock)
    if user is None:
        raise NotFound("user_not_found", user_id=user_id)
    return user


async def show_user(uow: UnitOfWork, user_id: int) -> dict[str, Any]:
    user = await get_user(uow, user_id)
    session = uow.session
    identities = (
        await session.scalars(select(ChannelIdentity).where(ChannelIdentity.user_id == user.id))
    ).all()
    bookings = await session.scalar(
        select(func.count()).select_from(Booking).where(Booking.client_id == user.id)
    )
    tickets = await session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.user_id == user.id)
    )
    return user_row(user) | {
        "contact_phone": user.contact_phone,
        "identities": [
            {
                "channel": i.channel,
                "external_id": i.external_id,
                "unreachable": i.unreachable,
                "last_inbound_at": iso(i.last_inbound_at),
            }
            for i in identities
        ],
        "bookings": int(bookings or 0),
        "tickets": int(tickets or 0),
    }


async def block(
    uow: UnitOfWork, user_id: int, *, reason: str, by: Operator, now: datetime
) -> dict[str, Any]:
    if not reason.strip():
        raise InvalidValue("admin_reason_required")
    user = await get_user(uow, user_id, lock=True)
    if user.blocked:
        raise IllegalTransition("user_blocked_already", user_id=user_id)
    user.blocked = True
    record(uow, by, "users.block", "user", user.id, now=now, reason=reason)
    return user_row(user)


async def unblock(
    uow: UnitOfWork, user_id: int, *, reason: str | None, by: Operator, now: datetime
) -> dict[str, Any]:
    user = await get_user(uow, user_id, lock=True)
    if not user.blocked:
        raise IllegalTransition("user_not_blocked", user_id=user_id)
    user.blocked = False
    record(uow, by, "users.unblock", "user", user.id, now=now, reason=reason)
    return user_row(user)
