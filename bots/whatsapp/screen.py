"""What a WhatsApp user sees last decides what the numbers they type mean (issue 19).

WhatsApp has no buttons bound to a message: "1" means option 1 of the last numbered list
on the person's screen, and their screen is the order of delivery, not the order in which
we wrote things. So once a message is delivered the conversation is told:
- a message with options (an answer or news) now owns the numbers, in its order;
- an answer without options asks for typed text: no number picks anything;
- news without options leaves the numbers to the list above it, but that list is no
  longer the last thing shown, so an action with consequences picked from it is
  confirmed first (``dialogs.framework.confirm``);
- news with options of its own takes the numbers, and the list it took them from is kept
  with the time: a number typed seconds later may have been meant for that list, and the
  engine asks which (``dialogs.framework.confirm.which_one``).
A held notification released when the person writes goes before the answer to what they
wrote (outbox order), so it never takes the numbers from the screen they asked for.
"""

from __future__ import annotations

import json
from datetime import datetime

from bots.whatsapp.addresses import CHANNEL, chat_key
from core.conversations.chat_memory import KnownConversation
from core.conversations.saved_state import load_conversation, save_state
from core.uow import UnitOfWorkFactory
from dialogs.framework.options import option_list
from dialogs.framework.replies import Reply
from dialogs.framework.state import DialogState


def shown(state: DialogState, replies: list[Reply], *, answer: bool, now: datetime) -> bool:
    """Apply what was just delivered to ``state``; True when it changed."""
    if not replies:
        return False
    before = state.to_json()
    options = option_list(replies[-1])
    if answer:
        state.displaced, state.displaced_at = [], None  # the person's own new screen
    elif options and state.options and options != state.options:
        state.displaced, state.displaced_at = state.options, now.isoformat()
    if options or answer:
        state.options, state.options_last = options, True
    elif state.options:
        state.options_last = False
    return state.to_json() != before


async def record_shown(
    uows: UnitOfWorkFactory,
    phone: str,
    audience: str,
    replies: list[Reply],
    *,
    answer: bool,
    now: datetime,
) -> KnownConversation | None:
    """Tell the person's conversation what their screen now ends with; the conversation as
    saved, when that changed it (for the chat memory of the process: see the sender)."""
    async with uows() as uow:
        conv = await load_conversation(uow, CHANNEL, chat_key(phone, audience), now=now)
        state = DialogState.from_json(conv.state)
        if not shown(state, replies, answer=answer, now=now):
            return None
        await save_state(uow, conv, state.to_json(), now=now)
        await uow.commit()
        return KnownConversation(conv.id, conv.version, json.dumps(conv.state))
