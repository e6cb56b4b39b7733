"""An NLU parser that remembers its recent answers.

A cache, kept because people send the same texts ("photographe à Rabat", "salam") again
and again, and with Rasa each question is an HTTP call. A step runs once now (its path is
declared, dialogs/framework/fast_path.py), except when the journal finds the chat moved on
by another process and the update runs again in a transaction: that second run asks the
same question too. The answer depends only on the text, the day and the language, so the
last answers are kept.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict

from dialogs.nlu.model import NluParser, NluResult


class RememberingNlu:
    def __init__(self, parser: NluParser, *, size: int = 1024) -> None:
        self.parser, self.size = parser, size
        self._answers: OrderedDict[tuple[str, datetime.date, str], NluResult] = OrderedDict()

    async def parse(self, text: str, *, today: datetime.date, locale: str) -> NluResult:
        key = (text, today, locale)
        known = self._answers.get(key)
        if known is not None:
            self._answers.move_to_end(key)
            return known
        result = await self.parser.parse(text, today=today, locale=locale)
        self._answers[key] = result
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return result
