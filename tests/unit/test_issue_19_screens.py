"""How the engine marks the replies to a press and the end of a contact request (issue 19):
the rules of dialogs/framework/screens.py, on their own."""

from __future__ import annotations

from dialogs.framework.engine import Inbound
from dialogs.framework.replies import Button, Reply, reply_from_json
from dialogs.framework.screens import answer_press, close_contact_request, press_of
from dialogs.framework.state import DialogState


def inbound(payload: str | None, on_message: tuple[str, ...] = ()) -> Inbound:
    return Inbound("telegram_client", "1", "1", payload=payload, on_message=on_message)


def screen(text: str = "Screen", **kwargs: object) -> Reply:
    return Reply(text, ((Button("Next", "5|page:next"),),), **kwargs)  # type: ignore[arg-type]


def test_a_press_of_the_current_screen_edits_it_when_a_new_screen_is_the_only_reply() -> None:
    state = DialogState(seq=4)
    press = press_of(state, inbound("4|nav:back"))
    state.seq = 5  # the step prompted a new screen
    [reply] = answer_press(state, press, [screen()])
    assert (reply.edit, reply.close_pressed) == (True, False)


def test_news_first_or_photos_send_new_messages_and_close_the_pressed_one() -> None:
    state = DialogState(seq=4)
    press = press_of(state, inbound("4|nav:cancel"))
    state.seq = 5
    said, menu = answer_press(state, press, [Reply("Cancelled."), screen()])
    assert (said.edit, said.close_pressed, menu.edit, menu.close_pressed) == (
        False,
        True,
        False,
        False,
    )
    [profile] = answer_press(state, press, [screen(photos=("/p.jpg",))])
    assert (profile.edit, profile.close_pressed) == (False, True)


def test_an_older_screen_is_closed_not_edited_and_a_global_button_is_on_screen_by_its_message() -> (
    None
):
    state = DialogState(seq=4)
    stale = press_of(state, inbound("2|m:find"))
    home = press_of(state, inbound("g|pdash", on_message=("4|svcs", "g|pdash")))
    card = press_of(state, inbound("g|pacc:7", on_message=("g|pacc:7", "g|pdec:7")))
    state.seq = 5
    assert answer_press(state, stale, [screen()])[0].close_pressed
    assert answer_press(state, home, [screen()])[0].edit
    assert answer_press(state, card, [screen()])[0].close_pressed


def test_an_answer_that_keeps_the_screen_or_is_typed_changes_nothing_above() -> None:
    state = DialogState(seq=4)
    press = press_of(state, inbound("4|help"))
    [shown] = answer_press(state, press, [Reply("Help")])  # seq unchanged: a Show
    assert (shown.edit, shown.close_pressed) == (False, False)
    assert press_of(state, inbound(None)) is None


def test_the_contact_request_is_closed_once_by_the_next_answer_that_does_not_ask_again() -> None:
    state = DialogState()
    close_contact_request(state, [Reply("Your phone?", request_contact=True)])
    assert state.contact_asked
    again = close_contact_request(state, [Reply("Not a number. Your phone?", request_contact=True)])
    assert not again[0].remove_keyboard and state.contact_asked
    first, second = close_contact_request(state, [Reply("Thanks."), screen()])
    assert (first.remove_keyboard, second.remove_keyboard) == (True, False)
    assert not state.contact_asked
    assert not close_contact_request(state, [screen()])[0].remove_keyboard
    assert DialogState.from_json(state.to_json()).contact_asked is False


def test_the_marks_survive_the_outbox() -> None:
    reply = Reply("x", close_pressed=True, remove_keyboard=True)
    assert reply_from_json(reply.to_json()) == reply
