"""What a serving process remembers of the chats it talks to: who is behind each identity
and where each conversation stands.

The database stays the record. Conversations carry a version: a write from memory says
which version it started from and is refused if another process moved on (see
core/conversations/journal.py), so the conversation entries need no expiry. Identities and
their users are read-mostly: a change committed in this process drops them (`on_commit`),
and an entry is kept `IDENTITY_TTL` seconds so that a change made by another process (an
admin, the worker) is seen within that time.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm.attributes import set_committed_value

from core.db.engine import READ_ONLY
from core.db.tables import ChannelIdentity, Conversation, User
from core.people.users import Identified
from core.uow import Committed

IDENTITY_TTL = 60.0  # seconds of real time
MAX_CHATS = 50_000  # entries of each kind; the least recently used go first

USERS_TABLE = User.__tablename__
# Every column of users, from the table itself so that a new column is remembered too;
# created_at travels apart (KnownIdentity.user_created_at). The id comes first (on_commit).
USER_FIELDS = tuple(
    column.key
    for column in sorted(User.__table__.columns, key=lambda c: not c.primary_key)
    if column.key != "created_at"
)

# What a KnownIdentity takes of the identity row (`committed_identity`).
IDENTITY_FIELDS = ("id", "user_id", "unreachable", "last_inbound_at")


@dataclass(frozen=True, slots=True)
class KnownIdentity:
    identity_id: int
    user: tuple[Any, ...]  # the user's USER_FIELDS, in order
    user_created_at: datetime
    unreachable: bool
    last_inbound_at: datetime | None
    loaded_at: float = 0.0  # time.monotonic() when read from the database

    @property
    def user_id(self) -> int:
        return int(self.user[0])  # USER_FIELDS: the primary key first

    def detached_user(self) -> User:
        """A User attached to no session, for a step declared read-only: what it sees is
        what the memory holds, and a change to it shows in `changed_fields`."""
        values = dict(zip(USER_FIELDS, self.user, strict=True))
        return unchanged_user({**values, "created_at": self.user_created_at})

    def touched(self, now: datetime) -> KnownIdentity:
        return replace(self, last_inbound_at=now, unreachable=False)


@dataclass(frozen=True, slots=True)
class KnownConversation:
    conversation_id: int
    version: int
    state_json: str  # kept serialised: every reader gets objects of its own


def committed_identity(who: Identified, read_at: float) -> KnownIdentity | None:
    """What a transaction committed of who wrote, to remember after its commit; None when
    the identity now belongs to another user (joined an account by phone).

    ``read_at`` is when the transaction began reading them: a change to the user committed
    in this process after that, the transaction's own included, makes `remember_identity`
    refuse the snapshot, so only a user the transaction left as it read it is kept."""
    identity, user = who.identity, who.user
    if not (
        inspect(identity).unloaded.isdisjoint(IDENTITY_FIELDS)
        and inspect(user).unloaded.isdisjoint((*USER_FIELDS, "created_at"))
    ):
        return None  # expired in the transaction (a savepoint undone): read afresh, not here
    if identity.user_id != user.id:
        return None
    return KnownIdentity(
        identity.id,
        user_values(user),
        user.created_at,
        identity.unreachable,
        identity.last_inbound_at,
        read_at,
    )


def unchanged_user(values: dict[str, Any]) -> User:
    """A User holding ``values`` as if loaded: nothing in its history until a step sets an
    attribute, which `changed_fields` then names."""
    user = User()
    for name, value in values.items():
        set_committed_value(user, name, value)
    return user


def changed_fields(user: User) -> frozenset[str]:
    """Which columns a step set on a user made by `unchanged_user` (writes: the read-only
    path has nowhere to keep them, but for a first contact's source)."""
    state = inspect(user)
    if not state.modified:  # nothing set since `unchanged_user`: the usual case, and cheap
        return frozenset()
    return frozenset(a.key for a in state.attrs if a.history.has_changes())


def user_values(user: User) -> tuple[Any, ...]:
    return tuple(getattr(user, name) for name in USER_FIELDS)


class ChatMemory:
    def __init__(self, *, max_chats: int = MAX_CHATS, identity_ttl: float = IDENTITY_TTL) -> None:
        self.max_chats, self.identity_ttl = max_chats, identity_ttl
        self._identities: OrderedDict[tuple[str, str], KnownIdentity] = OrderedDict()
        self._conversations: OrderedDict[tuple[str, str], KnownConversation] = OrderedDict()
        # When users changed in this process (monotonic), by id; None: some users, unnamed.
        # A snapshot read before its user changed must not be remembered after the change:
        # a read step's journal write can finish after a language was picked meanwhile.
        self._users_changed: dict[int | None, float] = {}

    def identity(self, channel: str, external_id: str) -> KnownIdentity | None:
        key = (channel, external_id)
        known = self._identities.get(key)
        if known is None:
            return None
        if time.monotonic() - known.loaded_at > self.identity_ttl:
            del self._identities[key]
            return None
        self._identities.move_to_end(key)
        return known

    def conversation(self, channel: str, chat_key: str) -> KnownConversation | None:
        key = (channel, chat_key)
        known = self._conversations.get(key)
        if known is not None:
            self._conversations.move_to_end(key)
        return known

    def remember_identity(self, channel: str, external_id: str, known: KnownIdentity) -> None:
        changed = max(
            self._users_changed.get(known.user[0], 0.0), self._users_changed.get(None, 0.0)
        )
        if known.loaded_at <= changed:  # read before its user changed: read it afresh
            self._identities.pop((channel, external_id), None)
            return
        _put(self._identities, (channel, external_id), known, self.max_chats)

    def remember_conversation(self, channel: str, chat_key: str, known: KnownConversation) -> None:
        _put(self._conversations, (channel, chat_key), known, self.max_chats)

    def forget(self, channel: str, chat_key: str, external_id: str) -> None:
        self._conversations.pop((channel, chat_key), None)
        self._identities.pop((channel, external_id), None)

    def clear(self) -> None:
        self._identities.clear()
        self._conversations.clear()

    def on_commit(self, committed: Committed) -> None:
        """A unit of work in this process changed users (a language picked in the sandbox
        or in a dialog, a phone or an email given): read those afresh. Identity rows alone
        are not a reason: their last contact and reachability are the journal's to write,
        and an identity moved to another account (joined by phone) is forgotten by the
        engine that moved it."""
        if USERS_TABLE not in committed.writes:
            return
        changed = committed.writes[USERS_TABLE]
        now = time.monotonic()
        # Past the time limit a snapshot is read afresh anyway: older marks can go.
        self._users_changed = {
            k: at for k, at in self._users_changed.items() if now - at <= self.identity_ttl
        }
        if changed is None:  # a statement changed users it did not name
            self._users_changed[None] = now
            self._identities.clear()
            return
        self._users_changed.update(dict.fromkeys(changed, now))
        for key in [k for k, known in self._identities.items() if known.user[0] in changed]:
            del self._identities[key]


@cache
def _known_chat() -> tuple[Select[Any], Select[Any]]:
    """Built once (every update of a known chat reads them): the identity with its user,
    and the conversation, by bound values."""
    who = (
        select(
            ChannelIdentity.id,
            ChannelIdentity.unreachable,
            ChannelIdentity.last_inbound_at,
            User.created_at,
            *[getattr(User, name) for name in USER_FIELDS],
        )
        .join(User, User.id == ChannelIdentity.user_id)
        .where(
            ChannelIdentity.channel == bindparam("channel"),
            ChannelIdentity.external_id == bindparam("external_id"),
        )
    )
    where = select(Conversation.id, Conversation.version, Conversation.state).where(
        Conversation.channel == bindparam("channel"), Conversation.chat_key == bindparam("key")
    )
    return who, where


async def load_known_chat(
    engine: AsyncEngine, channel: str, chat_key: str, external_id: str
) -> tuple[KnownIdentity, KnownConversation] | None:
    """Read a chat's identity, user and conversation (two statements, no write lock);
    None when one of them does not exist yet."""
    who_stmt, where_stmt = _known_chat()
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})
        who = (
            await conn.execute(who_stmt, {"channel": channel, "external_id": external_id})
        ).first()
        where = (await conn.execute(where_stmt, {"channel": channel, "key": chat_key})).first()
    if who is None or where is None:
        return None
    identity_id, unreachable, last_inbound_at, created_at, *values = who
    known = KnownIdentity(
        identity_id, tuple(values), created_at, unreachable, last_inbound_at, time.monotonic()
    )
    return known, KnownConversation(where[0], where[1], json.dumps(where[2]))


def _put(store: OrderedDict[Any, Any], key: Any, value: Any, limit: int) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > limit:
        store.popitem(last=False)
