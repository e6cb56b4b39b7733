"""Patterns run on normalized text, where "حتى" is "حتي", "إلى" "الي", "على" "علي" and
"المئة" "الميه" (dialogs/nlu/normalize.py). Arabic written in its usual spelling inside
such a pattern never matched: "16h حتى 20h", "10 إلى 14", "30 بالمئة" and "متى ...؟" were
not understood (found on a walk through the sandbox, 2026-12-05)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import time

import pytest

import bots
import core
import dialogs
from dialogs.nlu.asked import read_asked
from dialogs.nlu.normalize import normalize
from dialogs.nlu.times import read_span, read_time
from dialogs.provider.availability import parse_spans
from dialogs.provider.typed_numbers import percent

ARABIC_WORD = re.compile(r"[\u0600-\u06FF]+")


def test_every_arabic_word_in_a_modules_pattern_is_written_normalized() -> None:
    unread: list[str] = []
    for package in (dialogs, core, bots):
        for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(found.name)
            for name, value in vars(module).items():
                if isinstance(value, re.Pattern):
                    unread += [
                        f"{found.name}.{name}: {word!r} is {normalize(word)!r} once normalized"
                        for word in ARABIC_WORD.findall(str(value.pattern))
                        if normalize(word) != word
                    ]
    assert not unread


@pytest.mark.parametrize(
    ("typed", "span"),
    [
        ("16h حتى 20h", (time(16), time(20))),
        ("16h إلى 20h", (time(16), time(20))),
        ("من 21 حتى 2", (time(21), time(2))),  # bare hours, one past noon: a 24-hour reading
        ("mn 21 hta 2", (time(21), time(2))),
        ("de 21 à 2", (time(21), time(2))),
        ("de 4 à 8", None),  # morning or evening? not guessed
        ("من 12 الى 150 ضيف", None),
    ],
)
def test_spans_said_in_arabic_darija_and_french(typed: str, span: tuple[time, time] | None) -> None:
    assert read_span(typed) == span


def test_the_other_arabic_words_are_read() -> None:
    assert read_time("على 20") == time(20)
    assert parse_spans("10 إلى 14 و 16 الى 22") == [(time(10), time(14)), (time(16), time(22))]
    # ... and opened with "from", as people say hours
    assert parse_spans("من 16 إلى 23") == [(time(16), time(23))]
    assert parse_spans("de 10h à 14h et de 16h à 22h") == [
        (time(10), time(14)),
        (time(16), time(22)),
    ]
    assert parse_spans("from 10 to 14") == [(time(10), time(14))]
    assert parse_spans("من الصباح") is None  # words left over: not hours
    assert percent("30 بالمئة") == 30
    assert percent("30 في المئة") == 30
    assert read_asked("متى تفتحون").question
