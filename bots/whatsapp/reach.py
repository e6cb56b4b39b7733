"""Reaching someone on WhatsApp who has not written to us there yet (issue 19).

A provider registered with their WhatsApp number, or a client whose number is proven,
may never have opened our chat: there is no identity row yet, but their number is known
and proven (``users.phone_e164``). Their time-critical news goes to that number, as an
approved template (the 24-hour window is closed: they never wrote); what has no template
waits, held, until they write.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bots.whatsapp.addresses import CHANNEL
from core.db.tables import ChannelIdentity, User


async def unopened_chat(session: AsyncSession, user_id: int) -> ChannelIdentity | None:
    """An unsaved identity on the user's proven number, or None when there is none to use."""
    phone = await session.scalar(select(User.phone_e164).where(User.id == user_id))
    if not phone:
        return None
    taken = await session.scalar(
        select(ChannelIdentity.id).where(
            ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == phone
        )
    )
    if taken is not None:  # that chat exists: unreachable, or the number moved to someone else
        return None
    return ChannelIdentity(
        user_id=user_id, channel=CHANNEL, external_id=phone, unreachable=False, last_inbound_at=None
    )
