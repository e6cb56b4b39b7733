"""The engine's NLU asks each question once, even when a step runs twice."""

from __future__ import annotations

import datetime

from dialogs.nlu.model import Intent, NluResult
from dialogs.nlu.remembering import RememberingNlu

DAY = datetime.date(2026, 5, 4)


class Counting:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def parse(self, text: str, *, today: datetime.date, locale: str) -> NluResult:
        self.asked.append(text)
        return NluResult(Intent.SEARCH, 0.9, guests=len(self.asked))


async def test_the_same_question_is_asked_once_and_old_answers_go() -> None:
    counting = Counting()
    nlu = RememberingNlu(counting, size=2)
    first = await nlu.parse("dj à Rabat", today=DAY, locale="fr")
    assert await nlu.parse("dj à Rabat", today=DAY, locale="fr") is first
    await nlu.parse("dj à Rabat", today=DAY + datetime.timedelta(days=1), locale="fr")
    await nlu.parse("dj à Rabat", today=DAY, locale="en")  # another language: asked
    assert counting.asked == ["dj à Rabat"] * 3
    await nlu.parse("dj à Rabat", today=DAY, locale="fr")  # pushed out by the last two
    assert len(counting.asked) == 4
