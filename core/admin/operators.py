"""The admin behind a command, as the state machine's admin role knows them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.admin.audit import Operator
from core.booking.actors import Actor
from core.booking.states import Role
from core.db.tables import User, UserRole
from core.uow import UnitOfWork

SOURCE = "admin_cli"  # marks the accounts this tool made for its operators


async def admin_actor(uow: UnitOfWork, by: Operator, *, now: datetime) -> Actor:
    """An Actor with the admin role for ``by``; their account is made on first use, so that
    booking transitions name the admin who took them (booking_transitions.actor_user_id)."""
    user = await uow.session.scalar(
        select(User)
        .where(
            User.role == UserRole.ADMIN.value, User.source == SOURCE, User.display_name == by.name
        )
        .order_by(User.id)
        .limit(1)
    )
    if user is None:
        user = User(
            role=UserRole.ADMIN.value,
            display_name=by.name,
            locale="en",
            source=SOURCE,
            blocked=False,
            created_at=now,
        )
        uow.session.add(user)
        await uow.session.flush()
    return Actor(Role.ADMIN, user.id)
