"""Issue 19: the occasion typed in everyday words ("عرس") picks the event type."""

from __future__ import annotations

import pytest

from dialogs.nlu.events import event_of


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("عرس", "wedding"),
        ("العرس ديالي", "wedding"),
        ("حفل زفاف", "wedding"),
        ("Mariage", "wedding"),
        ("khotba", "engagement"),
        ("soirée henné", "henna"),
        ("السبوع", "aqiqa"),
        ("hello", None),
        ("mariage et henné", None),  # two occasions: ask, do not guess
        ("", None),
    ],
)
def test_event_words(text: str, code: str | None) -> None:
    assert event_of(text) == code
