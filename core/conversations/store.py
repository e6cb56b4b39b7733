"""One interface over what a process keeps of its chats: the conversation store.

The dialog engine sees a `ConversationStore` and nothing behind it:
- the process's memory of each chat (chat_memory.py): identity, user and conversation, so
  that a step that only reads runs without touching the database;
- the database, read when the memory has forgotten a chat (two statements, no lock);
- the chat journal (journal.py): the read-only path's writes, many chats in one transaction
  (group commit), durable before any reply leaves.

The transaction path writes through core's services and then tells the store what it
committed (`committed`), or has it forget the chat (`forget`) before it starts, since what
the memory holds may change there. Every commit in the process also reaches `on_commit`,
which drops what a commit elsewhere in the process made stale (a user changed by the
sandbox's language picker, say). Diagram: dialogs/update_path.mmd.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from core.conversations.chat_memory import (
    ChatMemory,
    KnownConversation,
    KnownIdentity,
    load_known_chat,
    user_values,
)
from core.conversations.journal import ChatJournal, ChatWrite, Outcome, Written
from core.notifications.direct_replies import Attempt
from core.rows import User
from core.uow import Committed


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat as a channel names it, and who is writing in it."""

    channel: str
    chat_key: str
    external_id: str


class ConversationStore:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        memory: ChatMemory | None = None,
        journal: ChatJournal | None = None,
    ) -> None:
        self._engine = engine
        self._memory = memory or ChatMemory()
        self._journal = journal or ChatJournal(engine)

    @property
    def batches(self) -> int:
        """How many transactions the journal has used (for tests and metrics)."""
        return self._journal.batches

    # --- Reading ---------------------------------------------------------------------

    def remembered(self, chat: ChatRef) -> tuple[KnownIdentity | None, KnownConversation | None]:
        """What the memory holds of ``chat``, without a database read."""
        return (
            self._memory.identity(chat.channel, chat.external_id),
            self._memory.conversation(chat.channel, chat.chat_key),
        )

    async def recall(self, chat: ChatRef) -> tuple[KnownIdentity, KnownConversation] | None:
        """The chat's identity and conversation, from memory or else from the database;
        None when one of them does not exist yet."""
        identity, conversation = self.remembered(chat)
        if identity is not None and conversation is not None:
            return identity, conversation
        return await load_known_chat(self._engine, chat.channel, chat.chat_key, chat.external_id)

    # --- Writing (the read-only path) -----------------------------------------------

    async def write(
        self,
        chat: ChatRef,
        item: ChatWrite,
        *,
        state_json: str,
        user: User,
        identity: KnownIdentity | None,
    ) -> Outcome:
        """Write through the journal (durable on return) and remember what was written.

        A first contact's ``user`` gets the id the journal gave it. On a conflict (another
        process moved the conversation on) the chat is forgotten, to be read afresh.
        """
        try:
            outcome = await self._journal.write(item)
        except BaseException:
            self.forget(chat)
            raise
        if outcome.written is Written.DUPLICATE:
            return outcome
        if outcome.written is Written.CONFLICT:
            self.forget(chat)
            return outcome
        assert outcome.conversation_id is not None
        self._memory.remember_conversation(
            chat.channel,
            chat.chat_key,
            KnownConversation(outcome.conversation_id, outcome.version, state_json),
        )
        if item.new_chat is not None:
            assert outcome.identity_id is not None and outcome.user_id is not None
            user.id = outcome.user_id
            known = KnownIdentity(
                outcome.identity_id, user_values(user), item.now, False, item.now, time.monotonic()
            )
            self._memory.remember_identity(chat.channel, chat.external_id, known)
        elif identity is not None:
            # Recalled from the database or remembered: kept (the memory refuses a snapshot
            # read before its user changed), so the chat's next update reads nothing.
            known = identity.touched(item.now) if item.touch else identity
            self._memory.remember_identity(chat.channel, chat.external_id, known)
        return outcome

    def mark_sent(self, attempt: Attempt, now: datetime) -> None:
        """A kept reply went out: recorded with the journal's next batch, not awaited."""
        self._journal.mark_sent(attempt, now)

    async def flush(self) -> None:
        """Wait until everything handed to the journal so far is written (or failed)."""
        await self._journal.flush()

    # --- What the transaction path and the process's commits tell it -----------------

    def committed(
        self, chat: ChatRef, conversation: KnownConversation, identity: KnownIdentity | None
    ) -> None:
        """The transaction path committed this state of the conversation, and read (or
        wrote) this identity: the chat's next update needs neither read again. The identity
        is kept only if its user has not changed since the transaction read it (see
        `ChatMemory.remember_identity`); otherwise it is read afresh."""
        self._memory.remember_conversation(chat.channel, chat.chat_key, conversation)
        if identity is not None:
            self._memory.remember_identity(chat.channel, chat.external_id, identity)

    def forget(self, chat: ChatRef) -> None:
        self._memory.forget(chat.channel, chat.chat_key, chat.external_id)

    def clear(self) -> None:
        """Forget every chat (tests: as if the memory's time limits had all passed)."""
        self._memory.clear()

    def on_commit(self, committed: Committed) -> None:
        self._memory.on_commit(committed)
