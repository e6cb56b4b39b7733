"""Conversation state stored as JSON, so a dialog resumes after a restart."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from core.db.tables import Conversation
from core.uow import UnitOfWork

# Built once: every transaction step reads it (building it cost more than running it).
_CHAT = select(Conversation).where(
    Conversation.channel == bindparam("channel"), Conversation.chat_key == bindparam("key")
)
_CHAT_LOCKED = _CHAT.with_for_update()


async def load_conversation(
    uow: UnitOfWork, channel: str, chat_key: str, *, now: datetime, lock: bool = True
) -> Conversation:
    """The row for this chat, created empty on first use, locked for this transaction."""
    session = uow.session
    query, chat = _CHAT_LOCKED if lock else _CHAT, {"channel": channel, "key": chat_key}
    row = await session.scalar(query, chat)
    if row is not None:
        return row
    try:
        async with session.begin_nested():
            row = Conversation(
                channel=channel, chat_key=chat_key, state={}, version=0, updated_at=now
            )
            session.add(row)
    except IntegrityError:
        row = await session.scalar(query, chat)
        assert row is not None
    return row


def save_state(row: Conversation, state: dict[str, Any], *, now: datetime) -> None:
    # Round-trip through JSON: anything a real store could not keep fails here, not later.
    row.state = json.loads(json.dumps(state))
    row.version += 1
    row.updated_at = now
