"""When a typed number may have been meant for the list that news just displaced (issue 19):
the rule of dialogs/framework/confirm.displaced_choice, on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialogs.framework.confirm import NEWS_OVERLAP, displaced_choice, displaced_pick
from dialogs.framework.state import DialogState

NEWS_AT = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
HOME = [["MSB-AAA · 19/01", "3|req:1"], ["📋 Bookings", "g|pdash"]]
CARD = [["✅ Accept", "g|pacc:2"], ["✖ Decline", "g|pdec:2"]]
NEWS_MENU = [["See the booking", "g|bk:2"], ["Find a provider", "g|find"]]


def after_news(displaced: list[list[str]], options: list[list[str]]) -> DialogState:
    return DialogState(options=options, displaced=displaced, displaced_at=NEWS_AT.isoformat())


def test_a_number_typed_seconds_after_a_card_may_be_for_the_list_before() -> None:
    state = after_news(HOME, CARD)
    soon = NEWS_AT + timedelta(seconds=4)
    assert displaced_choice(state, "1", "g|pacc:2", soon) == "3|req:1"
    assert displaced_choice(state, "١", "g|pacc:2", soon) == "3|req:1"  # Arabic digits too


def test_not_asked_once_the_card_was_there_long_enough_to_be_read() -> None:
    state = after_news(HOME, CARD)
    later = NEWS_AT + NEWS_OVERLAP + timedelta(seconds=1)
    assert displaced_choice(state, "1", "g|pacc:2", later) is None


def test_not_asked_for_a_label_nor_when_both_meanings_are_harmless_or_the_same() -> None:
    soon = NEWS_AT + timedelta(seconds=2)
    assert displaced_choice(after_news(HOME, CARD), "accept", "g|pacc:2", soon) is None
    assert displaced_choice(after_news(HOME, NEWS_MENU), "2", "g|find", soon) is None
    assert displaced_choice(after_news(CARD, CARD), "1", "g|pacc:2", soon) is None
    assert displaced_choice(DialogState(options=CARD), "1", "g|pacc:2", soon) is None


def test_the_displaced_list_survives_the_store() -> None:
    state = after_news(HOME, CARD)
    again = DialogState.from_json(state.to_json())
    assert (again.displaced, again.displaced_at) == (HOME, NEWS_AT.isoformat())


def test_a_number_only_the_displaced_list_has_is_that_lists_however_late() -> None:
    """The news' list has no 3 and no "Services": either can only be the list's before,
    an hour on too."""
    state = after_news([*HOME, ["🧰 Services", "3|svc"]], CARD)
    assert displaced_pick(state, "3") == "3|svc"
    assert displaced_pick(state, "٣") == "3|svc"
    assert displaced_pick(state, "4") is None  # in neither list
    assert displaced_pick(state, "services") == "3|svc"  # its label too
    assert displaced_pick(state, "earnings") is None  # in neither list
    assert displaced_pick(DialogState(options=CARD), "3") is None  # no news came
