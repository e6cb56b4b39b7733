"""A chat user's provider account: finding it, and connecting to it by phone number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.db.tables import Provider, User
from core.notifications.outbox import release_held
from core.people.users import join_by_phone
from core.uow import UnitOfWork


async def provider_of_user(uow: UnitOfWork, user_id: int) -> Provider | None:
    return await uow.session.scalar(select(Provider).where(Provider.user_id == user_id))


async def connect_provider(
    uow: UnitOfWork, user: User, *, channel: str, external_id: str, raw_phone: str, now: datetime
) -> tuple[User, Provider | None]:
    """Join this identity to the account with the phone number (the channel verified it)
    and return that account with its provider, or None if it runs no provider.

    Once connected, news that waited for a way to reach the provider (requests made
    before) is released.
    """
    user = await join_by_phone(
        uow, user, channel=channel, external_id=external_id, raw_phone=raw_phone
    )
    provider = await provider_of_user(uow, user.id)
    if provider is not None:
        await release_held(uow.session, user.id, now=now)
    return user, provider
