"""Steps that change nothing but the chat, run without a database transaction.

Most updates are navigation: a menu, a search page, a profile. For those the engine runs
the step on what the process remembers of the chat (core/conversations/chat_memory.py) and
reads through the cached catalog (dialogs/framework/reads.py); the event's claim and the chat's new
state then go to the chat journal, which commits many chats' writes together
(core/conversations/journal.py). The replies leave only once that write is durable.

Anything else falls back to the transaction (the engine's slow way), which then runs the
update from the start, so a step never needs to know which way it runs:
- the step reached for `ctx.uow` (it writes, or reads what must be exact) or for the
  payment gateway — NeedsTransaction;
- it changed the user (language, phone...), or raised anything;
- the chat is not in memory and can't be read, or
  it is a first contact that may join an account by phone;
- the journal refused the write because someone else moved the conversation on.
Nothing is written before the fallback, so running the update again is safe.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING

from core.conversations.chat_memory import (
    KnownConversation,
    KnownIdentity,
    load_known_chat,
    user_values,
)
from core.conversations.journal import ChatWrite, NewChat, Written
from core.db.tables import User, UserRole
from core.people.users import INBOUND_RESOLUTION, pick_locale
from dialogs.framework.context import Ctx, NeedsTransaction
from dialogs.framework.options import remember_options
from dialogs.framework.replies import Reply
from dialogs.framework.state import DialogState

if TYPE_CHECKING:
    from dialogs.framework.engine import DialogEngine, Inbound

log = logging.getLogger(__name__)


async def run_without_transaction(
    engine: DialogEngine, inbound: Inbound, now: datetime, display_name: str
) -> list[Reply] | None:
    """The update's replies, or None when it must run in a transaction instead."""
    if inbound.contact_phone:
        return None
    memory, channel = engine.memory, inbound.channel
    identity = memory.identity(channel, inbound.user_external_id)
    conversation = memory.conversation(channel, inbound.chat_key)
    new_chat = None
    if identity is None and conversation is None and not inbound.verified_phone:
        # Perhaps a first contact: the journal creates the user if nobody else has.
        new_chat = NewChat(
            channel,
            inbound.chat_key,
            inbound.user_external_id,
            display_name,
            pick_locale(inbound.language_code),
        )
        user = User(
            role=UserRole.CLIENT.value,
            display_name=display_name[:200],
            locale=new_chat.locale,
            blocked=False,
            created_at=now,
        )
        state = DialogState()
    else:
        if identity is None or conversation is None:
            known = await load_known_chat(
                engine.uows.engine, channel, inbound.chat_key, inbound.user_external_id
            )
            if known is None:
                return None
            identity, conversation = known
        user = identity.detached_user()
        state = DialogState.from_json(json.loads(conversation.state_json))

    before = user_values(user)
    ctx = Ctx(
        None,
        user,
        state,
        now,
        engine.deps_without_transaction,
        channel,
        engine.reads,
        inbound.user_external_id,
    )
    try:
        replies = await engine.dispatch(ctx, inbound)
        remember_options(ctx.state, replies)
        saved = ctx.state.to_json()
        saved_json = json.dumps(saved)  # anything a store could not keep fails here
    except NeedsTransaction:
        return None
    except Exception:  # the transaction runs it again and reports what goes wrong
        log.debug("step at %s falls back to a transaction", state.position, exc_info=True)
        return None
    if user_values(user) != before:
        return None  # it changed the user: that is a write

    touch = identity is not None and (
        identity.last_inbound_at is None or now - identity.last_inbound_at >= INBOUND_RESOLUTION
    )
    event = (
        (inbound.event_source, inbound.event_id)
        if inbound.event_source and inbound.event_id
        else None
    )
    write = ChatWrite(
        now,
        saved,
        conversation.conversation_id if conversation else None,
        conversation.version if conversation else 0,
        event,
        identity.identity_id if identity else None,
        touch,
        new_chat,
    )
    try:
        outcome = await engine.journal.write(write)
    except BaseException:
        memory.forget(channel, inbound.chat_key, inbound.user_external_id)
        raise
    if outcome.written is Written.DUPLICATE:
        return []  # already handled: a redelivery changes nothing
    if outcome.written is Written.CONFLICT:
        memory.forget(channel, inbound.chat_key, inbound.user_external_id)
        return None
    assert outcome.conversation_id is not None
    memory.remember_conversation(
        channel,
        inbound.chat_key,
        KnownConversation(outcome.conversation_id, outcome.version, saved_json),
    )
    if new_chat is not None:
        assert outcome.identity_id is not None
        user.id = outcome.user_id  # type: ignore[assignment]
        memory.remember_identity(
            channel,
            inbound.user_external_id,
            KnownIdentity(
                outcome.identity_id, user_values(user), now, False, now, time.monotonic()
            ),
        )
    elif touch and identity is not None:
        memory.remember_identity(channel, inbound.user_external_id, identity.touched(now))
    return replies
