"""What an answer does to the messages already on the person's screen (issue 19).

Two things a good chat bot does without each step asking for them:
- A button press that leads to a new screen replaces the message the button was on: the
  new screen is an edit of it when it is the only reply (Back, paging, filters, menu
  items), and when news comes first, or the new screen has photos, or the press came from
  an older message, the new replies are sent and the pressed message loses its buttons,
  so that a screen never has two live menus. A press whose answer leaves the screen as it
  is (a double tap, a card shown beside it) changes nothing above; help is an edit, the
  screen asked again under it.
- A contact button asked for once (Telegram's reply keyboard) goes away with the next
  answer that does not ask for it again, whether the phone was given or not.
Channels without such things (WhatsApp) ignore the marks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dialogs.framework.replies import Reply
from dialogs.framework.state import DialogState

if TYPE_CHECKING:
    from dialogs.framework.engine import Inbound


@dataclass(frozen=True, slots=True)
class Press:
    """A button press as it was before its step ran."""

    on_screen: bool  # the pressed message is the current screen (its buttons carry its number)
    seq: int  # the screen number then: a new screen bumps it


def press_of(state: DialogState, inbound: Inbound) -> Press | None:
    """The press ``inbound`` is, if it is one. A global button ("g|…") is on the current
    screen when the message it was on has that screen's buttons (the channel says which)."""
    if not inbound.payload:
        return None
    current = f"{state.seq:x}"
    screens = {payload.partition("|")[0] for payload in (inbound.payload, *inbound.on_message)}
    return Press(current in screens, state.seq)


def answer_press(state: DialogState, press: Press | None, replies: list[Reply]) -> list[Reply]:
    """Mark how the replies to a press treat the pressed message."""
    if press is None or not replies or state.seq == press.seq:
        return replies  # not a press, or no new screen: the pressed message stays as it is
    first, *rest = replies
    if press.on_screen and not rest and not first.photos:
        return [replace(first, edit=True)]
    return [replace(first, close_pressed=True), *rest]


def close_contact_request(state: DialogState, replies: list[Reply]) -> list[Reply]:
    """Mark the first reply after a contact request that is not one itself."""
    if any(reply.request_contact for reply in replies):
        state.contact_asked = True
        return replies
    if not state.contact_asked or not replies:
        return replies
    state.contact_asked = False
    first, *rest = replies
    return [replace(first, remove_keyboard=True), *rest]
