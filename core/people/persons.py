"""People known by their e-mail address (staff, imports, the demo) rather than by a chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.booking.states import Role
from core.db.tables import User, UserRole
from core.uow import UnitOfWork


async def ensure_person(
    uow: UnitOfWork,
    *,
    email: str,
    role: Role,
    display_name: str,
    locale: str,
    source: str,
    now: datetime,
) -> tuple[int, bool]:
    """(user id, created now) of the oldest user with this e-mail and role, added if none.

    The caller commits; running it again finds the same user.
    """
    user_role = UserRole(role.value)  # the system is no user: ValueError
    found = await uow.session.scalar(
        select(User.id)
        .where(User.email == email, User.role == user_role.value)
        .order_by(User.id)
        .limit(1)
    )
    if found is not None:
        return found, False
    user = User(
        role=user_role.value,
        display_name=display_name,
        locale=locale,
        email=email,
        source=source,
        created_at=now,
    )
    uow.session.add(user)
    await uow.session.flush()
    return user.id, True
