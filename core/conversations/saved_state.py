"""Conversation state stored as JSON, so a dialog resumes after a restart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.db.tables import Conversation
from core.uow import UnitOfWork

_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
_C = _CONVERSATIONS.c
# Built once, as plain statements on the table: every transaction step reads and saves its
# chat, and the ORM's object, locked read and flush cost more than the statements.
_CHAT = select(_C.id, _C.state, _C.version, _C.updated_at).where(
    _C.channel == bindparam("channel"), _C.chat_key == bindparam("key")
)
_CHAT_LOCKED = _CHAT.with_for_update()
_SAVE = (
    update(_CONVERSATIONS)
    .where(_C.id == bindparam("row_id"))
    .values(state=bindparam("new_state"), version=_C.version + 1, updated_at=bindparam("at"))
)


@dataclass
class SavedChat:
    """A chat's row as its transaction read it, and saved it (`save_state`)."""

    id: int
    state: dict[str, Any]
    version: int
    updated_at: datetime


async def load_conversation(
    uow: UnitOfWork, channel: str, chat_key: str, *, now: datetime, lock: bool = True
) -> SavedChat:
    """The row for this chat, created empty on first use, locked for this transaction."""
    session = uow.session
    query, chat = _CHAT_LOCKED if lock else _CHAT, {"channel": channel, "key": chat_key}
    row = (await session.execute(query, chat)).first()
    if row is None:
        # Nothing if another first message made it meanwhile: then theirs is read.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        new = {"channel": channel, "chat_key": chat_key, "state": {}, "version": 0}
        await session.execute(
            insert(_CONVERSATIONS)
            .values(new | {"updated_at": now})
            .on_conflict_do_nothing(index_elements=["channel", "chat_key"])
        )
        row = (await session.execute(query, chat)).first()
        assert row is not None
    return SavedChat(row.id, row.state, row.version, row.updated_at)


async def save_state(
    uow: UnitOfWork, chat: SavedChat, state: dict[str, Any], *, now: datetime
) -> None:
    # Round-trip through JSON: anything a real store could not keep fails here, not later.
    kept = json.loads(json.dumps(state))
    values = {"row_id": chat.id, "new_state": kept, "at": now}
    await uow.session.execute(_SAVE, values)
    chat.state, chat.version, chat.updated_at = kept, chat.version + 1, now
