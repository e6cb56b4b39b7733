"""The chat memory never keeps a user read before that user changed in this process: a
read step's journal write can finish after, say, a language was picked in the meantime
(seen once as an English reply after switching the sandbox to Arabic)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from core.conversations.chat_memory import USER_FIELDS, ChatMemory, KnownIdentity
from core.uow import Committed

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def snapshot(user_id: int, locale: str) -> KnownIdentity:
    values = {name: None for name in USER_FIELDS} | {"id": user_id, "locale": locale}
    user = tuple(values[name] for name in USER_FIELDS)
    return KnownIdentity(7, user, NOW, False, NOW, time.monotonic())


def test_a_snapshot_read_before_its_user_changed_is_not_remembered_after() -> None:
    memory = ChatMemory()
    stale = snapshot(1, "en")  # read by a step, before...
    memory.remember_identity("sandbox", "c:a", stale)
    memory.on_commit(Committed({"users": frozenset({1})}))  # ...the language changed
    assert memory.identity("sandbox", "c:a") is None
    memory.remember_identity("sandbox", "c:a", stale.touched(NOW))  # the step's write ends
    assert memory.identity("sandbox", "c:a") is None  # read afresh next time
    fresh = snapshot(1, "ar")
    memory.remember_identity("sandbox", "c:a", fresh)
    assert memory.identity("sandbox", "c:a") == fresh


def test_another_users_change_leaves_a_snapshot_alone() -> None:
    memory = ChatMemory()
    mine = snapshot(1, "fr")
    memory.on_commit(Committed({"users": frozenset({2})}))
    memory.remember_identity("sandbox", "c:a", mine)
    assert memory.identity("sandbox", "c:a") == mine
    memory.on_commit(Committed({"users": None}))  # unnamed users changed: all read afresh
    memory.remember_identity("sandbox", "c:a", mine.touched(NOW))
    assert memory.identity("sandbox", "c:a") is None
