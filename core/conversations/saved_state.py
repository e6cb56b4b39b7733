"""Conversation state stored as JSON, so a dialog resumes after a restart."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db.tables import Conversation
from core.uow import UnitOfWork


async def load_conversation(
    uow: UnitOfWork, channel: str, chat_key: str, *, now: datetime, lock: bool = True
) -> Conversation:
    """The row for this chat, created empty on first use, locked for this transaction."""
    session = uow.session
    query = select(Conversation).where(
        Conversation.channel == channel, Conversation.chat_key == chat_key
    )
    row = await session.scalar(query.with_for_update() if lock else query)
    if row is not None:
        return row
    try:
        async with session.begin_nested():
            row = Conversation(
                channel=channel, chat_key=chat_key, state={}, version=0, updated_at=now
            )
            session.add(row)
    except IntegrityError:
        row = await session.scalar(query.with_for_update() if lock else query)
        assert row is not None
    return row


def save_state(row: Conversation, state: dict[str, Any], *, now: datetime) -> None:
    # Round-trip through JSON: anything a real store could not keep fails here, not later.
    row.state = json.loads(json.dumps(state))
    row.version += 1
    row.updated_at = now
