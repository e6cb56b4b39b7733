"""News of history written after the fact (the demo, an import): what happened long ago
counts as delivered when it happened, so the worker does not send weeks-old news."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import OutboxMessage
from core.notifications.outbox import OutboxStatus
from core.uow import UnitOfWork


async def outbox_mark(session: AsyncSession) -> int:
    """The highest outbox id now: messages after it are written later."""
    return int(await session.scalar(select(func.max(OutboxMessage.id))) or 0)


async def settle_news_before(
    uow: UnitOfWork, *, after_id: int, user_ids: set[int], before: datetime
) -> None:
    """Mark pending news for ``user_ids`` written after ``after_id`` and dated before
    ``before`` as sent at its own date (the caller commits); later news stays pending."""
    await uow.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id > after_id,
            OutboxMessage.user_id.in_(user_ids),
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.created_at < before,
        )
        .values(status=OutboxStatus.SENT.value, sent_at=OutboxMessage.created_at, attempts=1)
    )
