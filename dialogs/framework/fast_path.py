"""Steps that change nothing but the chat, run without a database transaction.

Most updates are navigation: a menu, a search page, a profile. For those the engine runs
the step on what the conversation store (core/conversations/store.py) holds of the chat and
reads through the cached catalog (dialogs/framework/reads.py); the event's claim, the chat's
new state and the reply, if the channel keeps it (dialogs/framework/kept_replies.py), then
go back to the store, whose journal commits many chats' writes together. The replies leave
only once that write is durable.

The path is declared, never discovered: each step says which of its answers only read
(flow.Access) and each command or global button whether it does (flow.Action), and the
engine reads that from the chat's state before it runs anything (routes.py). What
is not declared to read runs in a transaction, and so does an update when:
- the chat is not in memory and can't be read, or it is a first contact that may join an
  account by phone (a shared contact, a number the channel vouches for); a contact shared
  in a known chat goes where its step declares (the booking form keeps it in the chat);
- the journal refused the write because someone else moved the conversation on (its
  version check): a declared outcome of the write, not a guess. The update then runs in a
  transaction on the fresh state; the first run's replies and state were never used, and
  a step declared to read had no effect to repeat;
- the step found it must write more than it declared (``ctx.needs_transaction``: an
  Accept whose provider's calendar is read again first); nothing it did is kept.
An action (a command, a global button) keeps off the transaction only on a screen whose
prompt reads too: refused, it shows that screen again (routes.py).
Two writes are declared too:
- flow.Action.sets_new_user: on a first contact, a deep link's source goes on the user the
  journal is still to create, in its INSERT;
- flow.Access.writes_in_journal and flow.Action.writes_in_journal: a step's one write of
  its own (a booking request; a provider's Accept or Mark as delivered), handed over as
  ``ctx.journal_write``, made with the chat's state in the journal's batch, where
  its checks run again under the write lock. Refused there, it is a conflict as above: the
  update runs in a transaction, which writes it or says why not.
The read-only context has no unit of work and no payments (context.py): a step declared
wrongly fails there like any failing step, logged, with the apology, and writes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from core.conversations.chat_memory import KnownConversation, changed_fields, unchanged_user
from core.conversations.journal import ChatWrite, NewChat, Written
from core.conversations.store import ChatRef
from core.people.users import (
    NEW_USER_FIELDS,
    contact_is_news,
    first_contact_values,
    pick_locale,
)
from dialogs.framework.context import Ctx
from dialogs.framework.errors import APOLOGY
from dialogs.framework.kept_replies import Answered, for_journal, redelivered
from dialogs.framework.options import remember_options
from dialogs.framework.state import DialogState

if TYPE_CHECKING:
    from dialogs.framework.engine import DialogEngine, Inbound

log = logging.getLogger(__name__)


async def run_without_transaction(
    engine: DialogEngine, inbound: Inbound, now: datetime, display_name: str
) -> Answered | None:
    """The update's replies, or None when it must run in a transaction instead."""
    store, channel = engine.store, inbound.channel
    chat = ChatRef(channel, inbound.chat_key, inbound.user_external_id)
    identity, conversation = store.remembered(chat)
    new_chat = None
    # A press answers a message we sent: that chat exists (its process restarted, or it
    # was forgotten), so it is read, not tried as a first contact that would conflict. A
    # number the channel vouches for may join an account: never a first contact here. Nor
    # is a chat of a bot whose writers are mostly known already (DialogApp).
    if (
        identity is None
        and conversation is None
        and engine.app.strangers_write_first
        and not (inbound.verified_phone or inbound.contact_phone or inbound.payload)
    ):
        # Perhaps a first contact: the journal creates the user if nobody else has.
        new_chat = NewChat(
            channel,
            inbound.chat_key,
            inbound.user_external_id,
            display_name,
            pick_locale(inbound.language_code),
        )
        user = unchanged_user(first_contact_values(display_name, new_chat.locale, now=now))
        state = DialogState()
    else:
        # Who wrote is to be read (forgotten, or past its time): not when the update is
        # declared to write, as the transaction reads them itself, fresh.
        if identity is None and conversation and _declared_to_write(engine, conversation, inbound):
            return None
        if identity is None or conversation is None:
            known = await store.recall(chat)
            if known is None:
                return None
            identity, conversation = known
        user = identity.detached_user()
        state = _state(conversation)

    path = engine.route(state, inbound)
    # A first contact's deep link sets the source of a user the journal is still to create.
    sets_new_user = new_chat is not None and path.sets_new_user
    in_journal = new_chat is None and path.writes_in_journal
    if not (path.reads_only or sets_new_user or in_journal):
        return None  # declared to write: nothing has run, the transaction runs it once
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
        saved_json = json.dumps(ctx.state.to_json())  # what a store could not keep fails here
        changed = changed_fields(user)
        if changed and not (sets_new_user and changed <= NEW_USER_FIELDS):
            # Only a transaction can keep that: a wrong declaration.
            raise RuntimeError("a step declared read-only changed the user")
        if changed and new_chat is not None:
            new_chat = replace(new_chat, source=user.source)
        if ctx.journal_write is not None and not in_journal:
            raise RuntimeError("a step declared read-only handed over a write")
    except Exception:
        # As in a transaction: logged, an apology, nothing written (engine._in_transaction).
        log.exception("dialog step failed at %s (read-only path)", state.position)
        return Answered([ctx.reply(ctx.t(APOLOGY))], failed=True)
    if ctx.needs_transaction:
        return None  # nothing was written: the transaction runs the update from the start

    touch = identity is not None and contact_is_news(identity.last_inbound_at, now)
    event = (
        (inbound.event_source, inbound.event_id)
        if inbound.event_source and inbound.event_id
        else None
    )
    write = ChatWrite(
        now,
        saved_json,
        conversation.conversation_id if conversation else None,
        conversation.version if conversation else 0,
        event,
        identity.identity_id if identity else None,
        touch,
        new_chat,
        for_journal(inbound, None if new_chat else user.id, replies, now),
        ctx.journal_write,
    )
    outcome = await store.write(chat, write, state_json=saved_json, user=user, identity=identity)
    if outcome.written is Written.DUPLICATE:
        return await redelivered(engine, inbound, now)  # nothing else to do
    if outcome.written is Written.CONFLICT:
        engine.paths["conflict"] += 1
        return None  # the store forgot the chat: the transaction reads it afresh
    if outcome.extra is not None:  # caches and the worker hear of it as of any commit
        engine.uows.committed_elsewhere(outcome.extra)
    return Answered(replies, outcome.reply)


def _state(conversation: KnownConversation) -> DialogState:
    return DialogState.from_json(json.loads(conversation.state_json))


def _declared_to_write(
    engine: DialogEngine, conversation: KnownConversation, inbound: Inbound
) -> bool:
    """Whether the update is declared to write from where the remembered chat stands (what
    routes.py reads is the state alone, not who wrote)."""
    path = engine.route(_state(conversation), inbound)
    return not (path.reads_only or path.writes_in_journal)
